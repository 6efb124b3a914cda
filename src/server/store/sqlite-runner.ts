/**
 * How every SQLite operation runs: a lock another process holds is waited
 * for asynchronously until the operation's deadline (lock-retry.ts), and a
 * write that got the lock after its deadline rolls back (`DeadlinePassed`,
 * thrown inside the transaction). Failures leave as `SessionStoreError`s.
 */
import { isBusyError, LockWaitExpired, withLockRetry } from './lock-retry.ts'
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

  function failure(what: string, error: unknown): SessionStoreError {
    if (error instanceof LockWaitExpired) {
      return new SessionStoreError(`the SQLite session store could not ${what} within ${timeoutMs} ms: the database is locked`, {
        cause: error,
      })
    }
    if (error instanceof DeadlinePassed) {
      return new SessionStoreError(`the SQLite session store could not ${what} within ${timeoutMs} ms`, { cause: error })
    }
    if (closed) return new SessionStoreError('the SQLite session store is closed', { cause: error })
    return new SessionStoreError(`the SQLite session store failed to ${what}`, { cause: error })
  }

  return {
    timeoutMs,
    deadline: () => Date.now() + timeoutMs,
    isClosed: () => closed,
    markClosed() {
      closed = true
    },
    run<T>(what: string, work: () => T): Promise<T> {
      if (closed) return Promise.reject(new SessionStoreError('the SQLite session store is closed'))
      const deadline = Date.now() + timeoutMs
      // The first attempt runs right here: an operation that finds no lock held (nearly all of
      // them) costs no async frames; only a locked database goes the retrying way.
      try {
        return Promise.resolve(work())
      } catch (error) {
        if (!isBusyError(error)) return Promise.reject(failure(what, error))
        return withLockRetry(work, deadline, stillOpen, error).catch((retryError: unknown) => {
          throw failure(what, retryError)
        })
      }
    },
  }
}
