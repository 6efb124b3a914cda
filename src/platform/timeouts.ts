import { LoginError } from '../contract/index.ts'

/** How long an adapter waits for each platform call before it gives up with `LoginError('timeout')`. */
export interface PlatformTimeouts {
  /** `checkSession()`: there is no per-call timeout, so this one always applies. */
  checkSession: number
  /** `request()` when the call gives no `timeout` of its own. */
  request: number
  /** `login()` when the call gives no `timeout` of its own. */
  login: number
}

/** Options every adapter takes. */
export interface PlatformOptions {
  timeouts?: Partial<PlatformTimeouts>
}

/**
 * The same room the login statechart gives these steps by default
 * (`checkWxSession` 5 s, `wxLogin` 10 s, the server calls 10 s).
 */
export const DEFAULT_PLATFORM_TIMEOUTS: Readonly<PlatformTimeouts> = Object.freeze({
  checkSession: 5_000,
  request: 10_000,
  login: 10_000,
})

/** The longest delay a JavaScript timer can wait; a longer one fires at once. */
const MAX_TIMER_MS = 2_147_483_647

function isPositiveMs(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 && value <= MAX_TIMER_MS
}

/**
 * Merges the caller's timeouts over the defaults. A value that is not a
 * positive finite number of milliseconds is a configuration mistake and
 * throws a `RangeError` when the adapter is created, not later mid-login.
 */
export function resolveTimeouts(options: PlatformOptions | undefined): PlatformTimeouts {
  const merged: PlatformTimeouts = { ...DEFAULT_PLATFORM_TIMEOUTS }
  const given = options?.timeouts ?? {}
  for (const name of ['checkSession', 'request', 'login'] as const) {
    const value = given[name]
    if (value === undefined) continue
    if (!isPositiveMs(value)) {
      throw new RangeError(`timeouts.${name} must be a positive number of milliseconds (at most ${MAX_TIMER_MS}), got ${String(value)}`)
    }
    merged[name] = value
  }
  return merged
}

/**
 * The timeout of one call: the call's own when it gave one, else the
 * adapter's. A bad per-call value rejects the call as `invalid_request`
 * (a permanent error, so the login flow does not retry it).
 */
export function callTimeout(what: string, given: unknown, fallback: number): number {
  if (given === undefined) return fallback
  if (!isPositiveMs(given)) {
    throw new LoginError(
      'invalid_request',
      `${what}: timeout must be a positive number of milliseconds (at most ${MAX_TIMER_MS}), got ${String(given)}`,
    )
  }
  return given
}
