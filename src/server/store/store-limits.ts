/** Limits both built-in stores share, and the check of their options. */

/** A user's live sessions at most (one per device, with room to spare); a login past it evicts the oldest. */
export const DEFAULT_MAX_SESSIONS_PER_USER = 10
/** No store operation waits longer; past it, it fails and writes nothing. */
export const DEFAULT_STORE_OPERATION_TIMEOUT_MS = 3000

/** `value`, or `fallback` when it is left out; a `RangeError` naming `what` when it is not a positive integer. */
export function positiveInteger(value: unknown, fallback: number, what: string): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) throw new RangeError(`${what} must be a positive integer`)
  return value
}
