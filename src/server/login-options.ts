/** Checks `loginPlugin`'s options at registration and fills in the defaults, so a mistake fails before the first request. */
import { resolveLoginRateLimit } from './rate-limit/index.ts'
import type { ResolvedLoginRateLimit } from './rate-limit/index.ts'
import type { SessionStore } from './store/index.ts'
import type { LoginPluginOptions } from './types.ts'
import type { LoginHook, PhoneNumberHook } from './users/index.ts'
import { createAccessTokenManager, createCode2SessionClient, createMemoryTokenCache, DEFAULT_WECHAT_API_BASE } from './wechat/index.ts'
import type { AccessTokenEvent, AccessTokenManager, Code2SessionClient } from './wechat/index.ts'

export const DEFAULT_SESSION_TTL_MS = 7 * 24 * 60 * 60 * 1000
/** A login before the year 3000 plus this is still a safe integer (a store refuses any other `expiresAt`). */
export const MAX_SESSION_TTL_MS = Number.MAX_SAFE_INTEGER - Date.UTC(3000, 0, 1)

const STORE_METHODS = ['create', 'get', 'delete', 'deleteByOpenid', 'ping', 'close'] as const
const USER_STORE_METHODS = ['startLogin', 'get', 'sessionKeyOf', 'setSessionKey', 'bindPhoneNumber'] as const
const TOKEN_CACHE_METHODS = ['get', 'compareAndSet', 'tryLock', 'unlock'] as const

export interface ResolvedLoginOptions {
  appId: string
  apiBase: string
  store: SessionStore
  code2Session: Code2SessionClient
  /** The access_token manager over the store's cache (or memory); events go to `onEvent`. */
  createAccessTokens(onEvent: (event: AccessTokenEvent) => void): AccessTokenManager
  sessionTtlMs: number
  rateLimit: ResolvedLoginRateLimit | false
  singleSessionPerUser: boolean
  closeStore: boolean
  prefix: string | undefined
  onLogin: LoginHook | undefined
  onPhoneNumber: PhoneNumberHook | undefined
  wechatApiTimeoutMs: number | undefined
}

function assertMethods(target: unknown, methods: readonly string[], what: string, caller: string): void {
  for (const method of methods) {
    if (typeof (target as Record<string, unknown>)[method] !== 'function')
      throw new TypeError(`${caller}: ${what}.${method} must be a function`)
  }
}

function assertStore(store: unknown, caller: string): asserts store is SessionStore {
  if (typeof store !== 'object' || store === null)
    throw new TypeError(`${caller}: store is required (see createSqliteStore / createRedisStore)`)
  assertMethods(store, STORE_METHODS, 'store', caller)
  const { users, wechatTokenCache } = store as Partial<SessionStore>
  if (typeof users !== 'object' || users === null) {
    throw new TypeError(`${caller}: store.users is required (per-user session_keys, app users, phone numbers; see docs/server.md)`)
  }
  assertMethods(users, USER_STORE_METHODS, 'store.users', caller)
  if (wechatTokenCache !== undefined) assertMethods(wechatTokenCache, TOKEN_CACHE_METHODS, 'store.wechatTokenCache', caller)
}

function prefixFrom(prefix: unknown, caller: string): string | undefined {
  if (prefix === undefined || prefix === '') return undefined
  if (typeof prefix !== 'string' || !/^\/[\w\-./]*[^/]$/.test(prefix)) {
    throw new TypeError(`${caller}: prefix must be a path such as '/api' (leading slash, no trailing slash)`)
  }
  return prefix
}

function optionalFunction<T>(value: T | undefined, name: string, caller: string): T | undefined {
  if (value !== undefined && typeof value !== 'function') throw new TypeError(`${caller}: ${name} must be a function`)
  return value
}

function optionalPositive(value: unknown, name: string, caller: string): number | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
    throw new RangeError(`${caller}: ${name} must be a positive number`)
  return value
}

export function resolveLoginOptions(options: LoginPluginOptions, caller: string): ResolvedLoginOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError(`${caller}: options are required`)
  const { wechat } = options
  if (typeof wechat !== 'object' || wechat === null) throw new TypeError(`${caller}: wechat { appId, secret } is required`)
  assertStore(options.store, caller)
  const sessionTtlMs = options.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS
  if (!(Number.isSafeInteger(sessionTtlMs) && sessionTtlMs > 0 && sessionTtlMs <= MAX_SESSION_TTL_MS)) {
    throw new RangeError(`${caller}: sessionTtlMs must be a positive integer of at most ${MAX_SESSION_TTL_MS} ms`)
  }

  // Validates appId, secret and apiBase (without echoing the secret).
  const code2Session = createCode2SessionClient({
    appId: wechat.appId,
    secret: wechat.secret,
    ...(wechat.apiBase === undefined ? {} : { apiBase: wechat.apiBase }),
    ...(options.code2SessionTimeoutMs === undefined ? {} : { timeoutMs: options.code2SessionTimeoutMs }),
    ...(options.code2SessionRetries === undefined ? {} : { retries: options.code2SessionRetries }),
  })
  const apiBase = wechat.apiBase ?? DEFAULT_WECHAT_API_BASE
  const accessToken = options.accessToken ?? {}
  if (typeof accessToken !== 'object' || accessToken === null) throw new TypeError(`${caller}: accessToken must be an object`)
  const store = options.store
  const tokenCache = store.wechatTokenCache ?? createMemoryTokenCache()
  const managerOptions = {
    appId: wechat.appId,
    secret: wechat.secret,
    apiBase,
    cache: tokenCache,
    ...accessToken,
  }
  // Checked now, so a bad accessToken option fails the registration; the real one is made once the log is there.
  createAccessTokenManager(managerOptions)

  return {
    appId: wechat.appId,
    apiBase,
    store,
    code2Session,
    createAccessTokens: (onEvent) => createAccessTokenManager({ ...managerOptions, onEvent }),
    sessionTtlMs,
    rateLimit: resolveLoginRateLimit(options.rateLimit, caller),
    singleSessionPerUser: options.singleSessionPerUser === true,
    closeStore: options.closeStore !== false,
    prefix: prefixFrom(options.prefix, caller),
    onLogin: optionalFunction(options.onLogin, 'onLogin', caller),
    onPhoneNumber: optionalFunction(options.onPhoneNumber, 'onPhoneNumber', caller),
    wechatApiTimeoutMs: optionalPositive(options.wechatApiTimeoutMs, 'wechatApiTimeoutMs', caller),
  }
}
