/**
 * better-sqlite3 waits for a lock synchronously, inside the event loop. The
 * store keeps SQLite's own wait tiny (`busy_timeout` of a few ms) and, when a
 * lock is still held, waits here instead: asynchronously, with backoff, until
 * the operation's deadline, so the server keeps serving meanwhile.
 */
import { setTimeout as sleep } from 'node:timers/promises'

/** SQLite's own wait for a lock, per attempt. */
export const SQLITE_BUSY_TIMEOUT_MS = 2
const FIRST_DELAY_MS = 2
const MAX_DELAY_MS = 50

export class LockWaitExpired extends Error {
  override readonly name = 'LockWaitExpired'
}

export function isBusyError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))
}

/**
 * Runs `attempt` until it does not fail for a lock; rethrows any other error.
 * Throws `LockWaitExpired` when the lock is still held at `deadline` (ms since the epoch).
 * `busyError`: the lock error of an attempt the caller already made, so the first
 * step is a wait, not another attempt straight away.
 */
export async function withLockRetry<T>(attempt: () => T, deadline: number, stillOpen: () => boolean, busyError?: unknown): Promise<T> {
  let delay = FIRST_DELAY_MS
  let busy = busyError
  for (;;) {
    if (busy === undefined) {
      try {
        return attempt()
      } catch (error) {
        if (!isBusyError(error)) throw error
        busy = error
      }
    }
    const wait = Math.min(delay, deadline - Date.now())
    if (wait <= 0) throw new LockWaitExpired('the database stayed locked until the deadline', { cause: busy })
    await sleep(wait)
    if (!stillOpen()) throw busy
    delay = Math.min(delay * 2, MAX_DELAY_MS)
    busy = undefined
  }
}
