/**
 * The machine's `timeouts` and `retry` options as `createLoginClient` takes
 * them. An entry left `undefined` (a config value that is missing) keeps the
 * default: spread over the defaults as it is, it would make a step's timer
 * wait `NaN` ms and every try of it time out at once. A timeout that no timer
 * can wait is a configuration mistake, thrown as a `RangeError` when the
 * client is created, as the platform adapters do for theirs.
 */
import type { RetryPolicy, StepTimeouts } from '../../machines/index.ts'

/** The longest delay a JavaScript timer can wait; a longer one fires at once. */
const MAX_TIMER_MS = 2_147_483_647

/** `options` without its `undefined` entries. */
function definedEntries<T extends object>(options: Partial<T> | undefined): Partial<T> {
  const defined: Partial<T> = {}
  for (const [name, value] of Object.entries(options ?? {}) as [keyof T, T[keyof T] | undefined][]) {
    if (value !== undefined) defined[name] = value
  }
  return defined
}

export function checkedStepTimeouts(timeouts: Partial<StepTimeouts> | undefined): Partial<StepTimeouts> {
  const defined = definedEntries(timeouts)
  for (const [name, value] of Object.entries(defined)) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > MAX_TIMER_MS) {
      throw new RangeError(`timeouts.${name} must be a positive number of milliseconds (at most ${MAX_TIMER_MS}), got ${String(value)}`)
    }
  }
  return defined
}

export function definedRetryPolicy(retry: Partial<RetryPolicy> | undefined): Partial<RetryPolicy> {
  return definedEntries(retry)
}
