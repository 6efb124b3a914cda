import type { AccessTokenPolicy } from './access-tokens.ts'
import { WECHAT_ERRCODES } from './errcodes.ts'
import type { WechatEmulatorOptions, WechatEmulatorRateLimit } from './types.ts'

const MINUTE_MS = 60_000
const DAY_MS = 24 * 60 * MINUTE_MS

/** What WeChat documents, where it documents it (docs/emulator.md names the pages). */
export const WECHAT_DEFAULTS = {
  codeTtlMs: 5 * MINUTE_MS,
  code2SessionRateLimit: { max: 100, windowMs: MINUTE_MS },
  accessToken: {
    ttlMs: 7_200_000,
    refreshAheadMs: 5 * MINUTE_MS,
    forceRefreshOverlapMs: 5 * MINUTE_MS,
    forceRefreshMinIntervalMs: 30_000,
    forceRefreshPerDay: 20,
    perMinute: 10_000,
    perDay: 500_000,
  },
  phoneCodeTtlMs: 5 * MINUTE_MS,
  phoneRateLimit: { max: 100, windowMs: MINUTE_MS },
  resetSessionKeyRateLimit: { max: 60_000, windowMs: MINUTE_MS },
} as const

export const DAY_WINDOW_MS = DAY_MS

export function requireNonEmptyString(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new TypeError(`startWechatEmulator: ${name} must be a non-empty string`)
  return value
}

export function requireCount(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a whole number >= 0`)
  }
  return value
}

/** A whole number >= 0, or `Infinity` for "no limit". */
export function requireCountOrInfinity(value: unknown, name: string): number {
  if (value === Number.POSITIVE_INFINITY) return value
  return requireCount(value, name)
}

export function requireDuration(value: unknown, name: string, { allowZero }: { allowZero: boolean }): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new RangeError(`${name} must be a finite number of milliseconds ${allowZero ? '>= 0' : '> 0'}`)
  }
  return value
}

/** The longest delay a Node timer keeps; a longer one fires after 1 ms. */
const MAX_TIMER_DELAY_MS = 2_147_483_647

/** A delay the emulator waits with a timer: a duration >= 0 that a Node timer keeps (not a "hang" that answers at once). */
export function requireDelay(value: unknown, name: string): number {
  const ms = requireDuration(value, name, { allowZero: true })
  if (ms > MAX_TIMER_DELAY_MS) throw new RangeError(`${name} must be at most ${MAX_TIMER_DELAY_MS} ms (a longer timer fires at once)`)
  return ms
}

export function requireOpenId(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new TypeError(`${name}: openid must be a non-empty string`)
  return value
}

function requireBoolean(value: unknown, name: string, fallback: boolean): boolean {
  if (value === undefined) return fallback
  if (typeof value !== 'boolean') throw new TypeError(`startWechatEmulator: ${name} must be a boolean`)
  return value
}

function rateLimit(value: WechatEmulatorRateLimit | undefined, fallback: { max: number; windowMs: number }, name: string) {
  return {
    max: requireCount(value?.max ?? fallback.max, `${name}.max`),
    windowMs: requireDuration(value?.windowMs ?? fallback.windowMs, `${name}.windowMs`, { allowZero: false }),
  }
}

export interface ResolvedEmulatorOptions {
  appId: string
  secret: string
  host: string
  port: number
  now: () => number
  latencyMs: number
  codeTtlMs: number
  sessionTtlMs: number | undefined
  rateLimit: { max: number; windowMs: number }
  unionIdOf: ((openid: string) => string | undefined) | 'derived' | undefined
  rotateSessionKeyOnLogin: boolean
  accessToken: AccessTokenPolicy & { forceRefreshPerDay: number; perMinute: number; perDay: number }
  phoneCodeTtlMs: number
  phoneQuota: number
  phoneRateLimit: { max: number; windowMs: number }
  resetSessionKeyRateLimit: { max: number; windowMs: number }
  failNext: { count: number; errcode: number } | undefined
  dropNext: number | undefined
  log: ((line: string) => void) | undefined
}

/** Checks every option, fills in WeChat's documented defaults; TypeError or RangeError for nonsense. */
export function resolveEmulatorOptions(options: WechatEmulatorOptions): ResolvedEmulatorOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError('startWechatEmulator: options are required')
  const port = options.port ?? 0
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new RangeError('startWechatEmulator: port must be an integer in [0, 65535]')
  const now = options.now ?? Date.now
  if (typeof now !== 'function') throw new TypeError('startWechatEmulator: now must be a function')
  if (options.unionIdOf !== undefined && typeof options.unionIdOf !== 'function') {
    throw new TypeError('startWechatEmulator: unionIdOf must be a function')
  }
  const openPlatformBound = requireBoolean(options.openPlatformBound, 'openPlatformBound', options.unionIdOf !== undefined)
  if (!openPlatformBound && options.unionIdOf !== undefined) {
    throw new TypeError('startWechatEmulator: unionIdOf gives unionids, so openPlatformBound cannot be false')
  }

  const token = options.accessToken ?? {}
  const defaults = WECHAT_DEFAULTS.accessToken
  const ttlMs = requireDuration(token.ttlMs ?? defaults.ttlMs, 'accessToken.ttlMs', { allowZero: false })
  const refreshAheadMs = requireDuration(
    token.refreshAheadMs ?? Math.min(defaults.refreshAheadMs, ttlMs / 2),
    'accessToken.refreshAheadMs',
    {
      allowZero: true,
    },
  )
  if (refreshAheadMs >= ttlMs) throw new RangeError('startWechatEmulator: accessToken.refreshAheadMs must be below accessToken.ttlMs')

  const faults = options.faults ?? {}
  const failErrcode = faults.failErrcode ?? WECHAT_ERRCODES.systemError
  if (!Number.isSafeInteger(failErrcode)) throw new TypeError('startWechatEmulator: faults.failErrcode must be an integer')

  if (options.log !== undefined && typeof options.log !== 'function') throw new TypeError('startWechatEmulator: log must be a function')

  return {
    appId: requireNonEmptyString(options.appId, 'appId'),
    secret: requireNonEmptyString(options.secret, 'secret'),
    host: options.host === undefined ? '127.0.0.1' : requireNonEmptyString(options.host, 'host'),
    port,
    now,
    latencyMs: requireDelay(options.latencyMs ?? 0, 'latencyMs'),
    codeTtlMs: requireDuration(options.codeTtlMs ?? WECHAT_DEFAULTS.codeTtlMs, 'codeTtlMs', { allowZero: false }),
    sessionTtlMs:
      options.sessionTtlMs === undefined ? undefined : requireDuration(options.sessionTtlMs, 'sessionTtlMs', { allowZero: false }),
    rateLimit: rateLimit(options.rateLimit, WECHAT_DEFAULTS.code2SessionRateLimit, 'rateLimit'),
    unionIdOf: options.unionIdOf ?? (openPlatformBound ? 'derived' : undefined),
    rotateSessionKeyOnLogin: requireBoolean(options.rotateSessionKeyOnLogin, 'rotateSessionKeyOnLogin', true),
    accessToken: {
      ttlMs,
      refreshAheadMs,
      forceRefreshOverlapMs: requireDuration(
        token.forceRefreshOverlapMs ?? defaults.forceRefreshOverlapMs,
        'accessToken.forceRefreshOverlapMs',
        {
          allowZero: true,
        },
      ),
      forceRefreshMinIntervalMs: requireDuration(
        token.forceRefreshMinIntervalMs ?? defaults.forceRefreshMinIntervalMs,
        'accessToken.forceRefreshMinIntervalMs',
        { allowZero: true },
      ),
      forceRefreshPerDay: requireCount(token.forceRefreshPerDay ?? defaults.forceRefreshPerDay, 'accessToken.forceRefreshPerDay'),
      perMinute: requireCount(token.perMinute ?? defaults.perMinute, 'accessToken.perMinute'),
      perDay: requireCount(token.perDay ?? defaults.perDay, 'accessToken.perDay'),
    },
    phoneCodeTtlMs: requireDuration(options.phoneCodeTtlMs ?? WECHAT_DEFAULTS.phoneCodeTtlMs, 'phoneCodeTtlMs', { allowZero: false }),
    phoneQuota: requireCountOrInfinity(options.phoneQuota ?? Number.POSITIVE_INFINITY, 'phoneQuota'),
    phoneRateLimit: rateLimit(options.phoneRateLimit, WECHAT_DEFAULTS.phoneRateLimit, 'phoneRateLimit'),
    resetSessionKeyRateLimit: rateLimit(
      options.resetSessionKeyRateLimit,
      WECHAT_DEFAULTS.resetSessionKeyRateLimit,
      'resetSessionKeyRateLimit',
    ),
    failNext: faults.failNext === undefined ? undefined : { count: requireCount(faults.failNext, 'faults.failNext'), errcode: failErrcode },
    dropNext: faults.dropNext === undefined ? undefined : requireCount(faults.dropNext, 'faults.dropNext'),
    log: options.log,
  }
}
