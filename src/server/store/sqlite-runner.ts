/**
 * How every SQLite operation runs: a lock another process holds is waited
 * for asynchronously until the operation's deadline (lock-retry.ts), and a
 * write that got the lock after its deadline rolls back (`DeadlinePassed`,
 * thrown inside the transaction). Failures leave as `SessionStoreError`s.
 */
import { LockWaitExpired, withLockRetry } from './lock-retry.ts'
import { SessionStoreError } from './store-error.ts'

/** The write came too late: rolled back inside its own transaction. */
export class DeadlinePassed extends Error {
  override readonly name = 'DeadlinePassed'
}

/** Call first thing inside a write transaction: past `deadline`, nothing is written. */
export function assertBeforeDeadline(deadline: number): void {
  if (Date.now() > deadline) throw new DeadlinePassed('the write lock came after the deadline')
}

export interface SqliteRunner {
  readonly timeoutMs: number
  /** A deadline for an operation starting now. */
  deadline(): number
  run<T>(what: string, work: () => T): Promise<T>
  isClosed(): boolean
  markClosed(): void
}

export function createSqliteRunner(timeoutMs: number): SqliteRunner {
  let closed = false
  const stillOpen = (): boolean => !closed
  return {
    timeoutMs,
    deadline: () => Date.now() + timeoutMs,
    isClosed: () => closed,
    markClosed() {
      closed = true
    },
    async run<T>(what: string, work: () => T): Promise<T> {
      if (closed) throw new SessionStoreError('the SQLite session store is closed')
      try {
        return await withLockRetry(work, Date.now() + timeoutMs, stillOpen)
      } catch (error) {
        if (error instanceof LockWaitExpired) {
          throw new SessionStoreError(`the SQLite session store could not ${what} within ${timeoutMs} ms: the database is locked`, {
            cause: error,
          })
        }
        if (error instanceof DeadlinePassed) {
          throw new SessionStoreError(`the SQLite session store could not ${what} within ${timeoutMs} ms`, { cause: error })
        }
        if (closed) throw new SessionStoreError('the SQLite session store is closed', { cause: error })
        throw new SessionStoreError(`the SQLite session store failed to ${what}`, { cause: error })
      }
    },
  }
}
