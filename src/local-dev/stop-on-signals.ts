/**
 * Ctrl-C handling for `npm start`: the first SIGINT or SIGTERM closes the
 * server cleanly and ends the process with code 0; a second one, or a close
 * that fails or hangs, ends it with code 1.
 */

export const SHUTDOWN_SIGNALS = ['SIGINT', 'SIGTERM'] as const
export type ShutdownSignal = (typeof SHUTDOWN_SIGNALS)[number]

/** The part of `process` this needs (a fake in tests). */
export interface ShutdownProcess {
  on(event: ShutdownSignal, listener: (signal: NodeJS.Signals) => void): unknown
  off(event: ShutdownSignal, listener: (signal: NodeJS.Signals) => void): unknown
  exit(code: number): void
  exitCode?: number | string | undefined
}

export interface StopOnSignalsOptions {
  log?: (line: string) => void
  /** Default `process`. */
  process?: ShutdownProcess
  /** A close that takes longer than this ends the process with code 1. Default 15 s. */
  closeTimeoutMs?: number
  /**
   * After a clean close the process ends by itself once nothing is left to
   * run; if something (a stray timer or socket) still holds it, it is ended
   * with code 0 after this long. Default 2 s.
   */
  lingerMs?: number
}

export interface Closable {
  close(): Promise<void>
}

/** Installs the handlers; returns a function that removes them. */
export function stopOnSignals(server: Closable, options: StopOnSignalsOptions = {}): () => void {
  const target = options.process ?? process
  const log = options.log ?? ((line: string) => console.log(line))
  const closeTimeoutMs = options.closeTimeoutMs ?? 15_000
  const lingerMs = options.lingerMs ?? 2_000
  let stopping = false

  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      log(`[dev-server] ${signal} again: exiting without waiting`)
      target.exit(1)
      return
    }
    stopping = true
    log(`[dev-server] ${signal}: stopping (no new connections; requests in flight finish first)`)
    const deadline = setTimeout(() => {
      log(`[dev-server] did not stop within ${closeTimeoutMs} ms: exiting`)
      target.exit(1)
    }, closeTimeoutMs)
    deadline.unref()
    server.close().then(
      () => {
        clearTimeout(deadline)
        log('[dev-server] stopped')
        target.exitCode = 0
        setTimeout(() => target.exit(0), lingerMs).unref()
      },
      (error: unknown) => {
        clearTimeout(deadline)
        log(`[dev-server] could not stop cleanly: ${error instanceof Error ? error.message : String(error)}`)
        target.exit(1)
      },
    )
  }

  for (const signal of SHUTDOWN_SIGNALS) target.on(signal, onSignal)
  return () => {
    for (const signal of SHUTDOWN_SIGNALS) target.off(signal, onSignal)
  }
}
