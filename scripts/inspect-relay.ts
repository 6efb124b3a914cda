/**
 * `npm run inspect`: starts the inspector relay on loopback and says where to
 * point a mini-program, a Node app and a browser: every URL carries the
 * relay's secret. Ctrl-C stops it.
 *
 * INSPECT_PORT: port (default 8080; 0 picks a free one).
 * INSPECT_HOST: address to listen on (default 127.0.0.1). Anything else
 *   exposes the relay to that network; only for a phone on a trusted LAN.
 * INSPECT_SECRET: the secret to use instead of a new random one (22+
 *   characters of A-Z a-z 0-9 - _), so the URL in app.js survives a restart.
 * INSPECT_UI: `local` (default, the relay's own page) or `stately` (Stately's
 *   hosted inspector in an iframe; needs internet).
 * INSPECT_ALLOW_ORIGINS: comma-separated WebSocket origins to accept besides
 *   none and the page's own (for a WeChat client that sends one).
 */
import { networkInterfaces } from 'node:os'
import { DEFAULT_INSPECT_HOST, DEFAULT_INSPECT_PORT, startInspectRelay, type InspectorUi } from '../src/inspect/relay/index.ts'

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost'])
const EVERY_INTERFACE = new Set(['0.0.0.0', '::'])

function readPort(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return DEFAULT_INSPECT_PORT
  const port = Number(raw)
  if (!/^\d+$/.test(raw.trim()) || !Number.isInteger(port) || port > 65535) {
    throw new Error(`INSPECT_PORT must be a port number 0-65535, got ${JSON.stringify(raw)}`)
  }
  return port
}

function readUi(raw: string | undefined): InspectorUi {
  const ui = raw?.trim() || 'local'
  if (ui !== 'local' && ui !== 'stately') throw new Error(`INSPECT_UI must be "local" or "stately", got ${JSON.stringify(raw)}`)
  return ui
}

function readOrigins(raw: string | undefined): string[] {
  return (raw ?? '')
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin !== '')
}

function lanAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flatMap((addresses) => addresses ?? [])
    .filter((address) => address.family === 'IPv4' && !address.internal)
    .map((address) => address.address)
}

async function main(): Promise<void> {
  const port = readPort(process.env['INSPECT_PORT'])
  const host = process.env['INSPECT_HOST']?.trim() || DEFAULT_INSPECT_HOST
  const ui = readUi(process.env['INSPECT_UI'])
  const secret = process.env['INSPECT_SECRET']?.trim() || undefined
  const relay = await startInspectRelay({
    host,
    port,
    ui,
    ...(secret === undefined ? {} : { secret }),
    allowedOrigins: readOrigins(process.env['INSPECT_ALLOW_ORIGINS']),
    onClientCountChange: (count) => console.log(`[inspect] ${count} client${count === 1 ? '' : 's'} connected`),
    onRefused: (refusal) =>
      console.log(`[inspect] refused ${refusal.kind === 'http' ? 'a request' : 'a WebSocket'} (${refusal.status}): ${refusal.reason}`),
  })
  const other = ui === 'local' ? 'stately' : 'local'

  const lines = [
    `Inspector relay listening on ${host}:${relay.port}`,
    `Secret for this run: ${relay.secret}${secret === undefined ? ' (new at each start; set INSPECT_SECRET to keep one)' : ' (from INSPECT_SECRET)'}`,
    '',
    'See it: open in a browser',
    `  ${relay.pageUrl}`,
    `  (${other === 'stately' ? "Stately's hosted inspector instead, needs internet" : "the relay's own page, offline"}: ${relay.pageUrl}?ui=${other})`,
    'Mini-program (WeChat DevTools on this computer; turn off domain/TLS checks in Details > Local Settings):',
    `  createMiniprogramInspector({ url: '${relay.socketUrl}?app=miniprogram', connectSocket: wx.connectSocket.bind(wx) })`,
    'Node app:',
    `  createWebSocketInspector({ url: '${relay.socketUrl}?app=node', serialize: createInspectionEventRedactor() })`,
    `  createWebSocketReceiver({ server: '${relay.socketUrl}' }) from @statelyai/inspect reads the events`,
  ]
  if (EVERY_INTERFACE.has(host)) {
    const lan = lanAddresses()
    if (lan.length > 0) lines.push('From a phone on the same network:')
    for (const address of lan) {
      lines.push(
        `  page ${relay.pageUrl.replace('127.0.0.1', address)}`,
        `  url  ${relay.socketUrl.replace('127.0.0.1', address)}?app=phone`,
      )
    }
  }
  lines.push('', 'Press Ctrl-C to stop.')
  if (!LOOPBACK.has(host)) {
    lines.unshift(
      `WARNING: listening on ${host}, not loopback: anyone on that network who has the secret can read and inject inspector events.`,
    )
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
