import { LoginError, isLoginError } from '../contract/index.ts'

/** How the started call reports back. Only the first report counts. */
export interface Settle<T> {
  resolve(value: T): void
  reject(error: LoginError): void
}

export interface TimedCallOptions {
  /** Names the call in messages, e.g. `wx.login`. */
  what: string
  timeoutMs: number
  /** What a synchronous throw from `start` becomes. */
  onThrow(cause: unknown): LoginError
}

function abortIfPossible(handle: unknown): void {
  if (typeof handle !== 'object' || handle === null) return
  const { abort } = handle as { abort?: unknown }
  if (typeof abort !== 'function') return
  try {
    abort.call(handle)
  } catch {
    // The call already lost; a task that cannot be aborted changes nothing.
  }
}

/**
 * Runs one callback- or promise-style platform call and always settles:
 *
 * - with the first of `resolve`/`reject` the call reports, once;
 * - with `LoginError('timeout')` when nothing was reported within `timeoutMs`,
 *   aborting the call's task (anything returned by `start` that has an
 *   `abort()`, like a `RequestTask`);
 * - with `onThrow(error)` when `start` throws (a thrown `LoginError` is kept
 *   as it is: the adapter meant it).
 *
 * Reports that arrive after the promise settled (a late `success`, a `fail`
 * caused by the abort) are ignored.
 */
export function callWithTimeout<T>(start: (settle: Settle<T>) => unknown, options: TimedCallOptions): Promise<T> {
  const { what, timeoutMs, onThrow } = options
  return new Promise<T>((resolve, reject) => {
    let settled = false
    let handle: unknown
    const finish = (): boolean => {
      if (settled) return false
      settled = true
      clearTimeout(timer)
      return true
    }
    const timer = setTimeout(() => {
      if (!finish()) return
      abortIfPossible(handle)
      reject(new LoginError('timeout', `${what} did not answer within ${timeoutMs} ms`))
    }, timeoutMs)
    const settle: Settle<T> = {
      resolve: (value) => {
        if (finish()) resolve(value)
      },
      reject: (error) => {
        if (finish()) reject(error)
      },
    }
    try {
      handle = start(settle)
    } catch (error) {
      settle.reject(isLoginError(error) ? error : onThrow(error))
    }
  })
}
