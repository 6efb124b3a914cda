/**
 * Child-process entry for section 4 (started by `http-throughput.ts` with
 * `child_process.fork`), so the servers under load get their own event loop
 * (and core) while autocannon and the WeChat emulator run in the parent. The
 * messages are in `http-target-protocol.ts`. Starts serving when imported:
 * import the protocol module, never this one.
 */
import { startHttpTargets, type HttpTargets, type HttpTargetsOptions } from './http-targets.ts'
import { isCloseMessage, TARGET_OPTIONS_ENV, type TargetMessage } from './http-target-protocol.ts'

function send(message: TargetMessage): void {
  process.send?.(message)
}

async function main(): Promise<void> {
  if (!process.send) throw new Error('http-target-process must be started with child_process.fork (it needs the IPC channel)')
  const raw = process.env[TARGET_OPTIONS_ENV]
  if (!raw) throw new Error(`${TARGET_OPTIONS_ENV} is not set`)
  let options: HttpTargetsOptions
  try {
    options = JSON.parse(raw) as HttpTargetsOptions
  } catch {
    // JSON.parse quotes the text it choked on, and this text holds the AppSecret.
    throw new Error(`${TARGET_OPTIONS_ENV} is not valid JSON`)
  }
  const targets: HttpTargets = await startHttpTargets(options)
  let closing: Promise<{ redisKeysDeleted: number }> | null = null
  const closeOnce = () => (closing ??= targets.close())
  process.on('message', (message) => {
    if (!isCloseMessage(message)) return
    closeOnce()
      .then(({ redisKeysDeleted }) => send({ type: 'closed', redisKeysDeleted }))
      .catch((error: unknown) =>
        send({ type: 'failed', message: `close failed: ${error instanceof Error ? error.message : String(error)}` }),
      )
      .finally(() => process.disconnect())
  })
  // If the parent goes away without asking, clean up anyway and leave.
  process.on('disconnect', () => {
    closeOnce()
      .catch(() => {})
      .finally(() => process.exit(0))
  })
  const { urls, redisUnavailable } = targets
  send({ type: 'ready', info: { urls, ...(redisUnavailable === undefined ? {} : { redisUnavailable }) } })
}

main().catch((error: unknown) => {
  send({ type: 'failed', message: error instanceof Error ? error.message : String(error) })
  process.exitCode = 1
  process.disconnect?.()
})
