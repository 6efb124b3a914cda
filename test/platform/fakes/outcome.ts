import { LoginError } from '../../../src/contract/index.ts'

export type Outcome<T> = { settled: false } | { settled: true; ok: true; value: T } | { settled: true; ok: false; error: unknown }

export interface Watched<T> {
  /** How the promise ended so far. */
  now(): Outcome<T>
}

/**
 * Watches a promise from the moment it exists, so a rejection is never
 * "unhandled" while fake timers are advanced, and tells how it ended so far.
 */
export function watch<T>(promise: Promise<T>): Watched<T> {
  let state: Outcome<T> = { settled: false }
  promise.then(
    (value) => {
      state = { settled: true, ok: true, value }
    },
    (error: unknown) => {
      state = { settled: true, ok: false, error }
    },
  )
  return { now: () => state }
}

/** The value a watched promise resolved with; throws (failing the test) otherwise. */
export function valueOf<T>(watched: Watched<T>): T {
  const outcome = watched.now()
  if (!outcome.settled) throw new Error('expected the promise to have resolved, it is still pending')
  if (!outcome.ok) throw new Error(`expected the promise to have resolved, it rejected with ${String(outcome.error)}`)
  return outcome.value
}

/** The `LoginError` a watched promise rejected with; throws (failing the test) otherwise. */
export function rejectionOf(watched: Watched<unknown>): LoginError {
  const outcome = watched.now()
  if (!outcome.settled) throw new Error('expected the promise to have rejected, it is still pending')
  if (outcome.ok) throw new Error(`expected the promise to have rejected, it resolved with ${JSON.stringify(outcome.value)}`)
  if (!(outcome.error instanceof LoginError)) throw new Error(`expected a LoginError, got ${String(outcome.error)}`)
  return outcome.error
}
