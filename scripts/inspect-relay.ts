/**
 * `npm run inspect`: starts the inspector relay on loopback and says where to
 * point a mini-program, a Node app and a browser. Ctrl-C stops it.
 *
 * INSPECT_PORT: port (default 8080; 0 picks a free one).
 * INSPECT_HOST: address to listen on (default 127.0.0.1). Anything else
 *   exposes the relay to the network; only for a phone on a trusted LAN.
 */
import { DEFAULT_INSPECT_HOST, DEFAULT_INSPECT_PORT, startInspectRelay } from '../src/inspect/relay/index.ts'

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost'])

function readPort(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return DEFAULT_INSPECT_PORT
  const port = Number(raw)
  if (!/^\d+$/.test(raw.trim()) || !Number.isInteger(port) || port > 65535) {
    throw new Error(`INSPECT_PORT must be a port number 0-65535, got ${JSON.stringify(raw)}`)
  }
  return port
}

async function main(): Promise<void> {
  const port = readPort(process.env['INSPECT_PORT'])
  const host = process.env['INSPECT_HOST']?.trim() || DEFAULT_INSPECT_HOST
  const relay = await startInspectRelay({
    host,
    port,
    onClientCountChange: (count) => console.log(`[inspect] ${count} client${count === 1 ? '' : 's'} connected`),
  })

  const lines = [
    `Inspector relay listening on ${relay.socketUrl}`,
    '',
    'Mini-program (WeChat DevTools on this computer; turn off domain/TLS checks in Details > Local Settings):',
    `  createMiniprogramInspector({ url: '${relay.socketUrl}', connectSocket: wx.connectSocket.bind(wx) })`,
    'Node app:',
    `  createWebSocketInspector({ url: '${relay.socketUrl}', serialize: createInspectionEventRedactor() })`,
    'See it:',
    `  open ${relay.pageUrl} in a browser (it embeds the Stately inspector), or`,
    `  createWebSocketReceiver({ server: '${relay.socketUrl}' }) from @statelyai/inspect`,
    '',
    'Press Ctrl-C to stop.',
  ]
  if (!LOOPBACK.has(host)) {
    lines.unshift(`WARNING: listening on ${host}, not loopback: anyone who can reach this address can read and inject inspector events.`)
  }
  console.log(lines.join('\n'))

  let stopping = false
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      console.error(`[inspect] ${signal} again: exiting now`)
      process.exit(1)
    }
    stopping = true
    console.log(`\n[inspect] ${signal}: stopping the relay`)
    relay.close().then(
      () => {
        console.log('[inspect] stopped')
        process.exitCode = 0
      },
      (error: unknown) => {
        console.error('[inspect] could not stop cleanly:', error instanceof Error ? error.message : error)
        process.exitCode = 1
      },
    )
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}

main().catch((error: unknown) => {
  console.error(`[inspect] ${error instanceof Error ? error.message : String(error)}`)
  process.exitCode = 1
})
