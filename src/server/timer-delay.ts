/**
 * Timeouts given as options become Node timers (`setTimeout`,
 * `AbortSignal.timeout`). Node keeps a delay only up to 2^31 - 1 ms: past it
 * the timer fires after 1 ms, and `AbortSignal.timeout` throws for a fraction
 * of a ms. Either would fail every call, so such an option is refused when it
 * is given.
 */
export const MAX_TIMER_DELAY_MS = 2_147_483_647

/** `value` when it is a whole number of ms from 1 to `MAX_TIMER_DELAY_MS`; a `RangeError` naming `what` otherwise. */
export function timerDelay(value: number, what: string): number {
  if (!(Number.isInteger(value) && value >= 1 && value <= MAX_TIMER_DELAY_MS)) {
    throw new RangeError(`${what} must be a whole number of milliseconds from 1 to ${MAX_TIMER_DELAY_MS}`)
  }
  return value
}
