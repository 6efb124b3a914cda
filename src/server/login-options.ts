/** Checks `loginPlugin`'s options at registration and fills in the defaults, so a mistake fails before the first request. */
import { resolveLoginRateLimit } from './rate-limit/index.ts'
import type { ResolvedLoginRateLimit } from './rate-limit/index.ts'
import type { SessionStore } from './store/index.ts'
import type { LoginPluginOptions } from './types.ts'
import { createCode2SessionClient } from './wechat/index.ts'
import type { Code2SessionClient } from './wechat/index.ts'

export const DEFAULT_SESSION_TTL_MS = 7 * 24 * 60 * 60 * 1000

const STORE_METHODS = ['create', 'get', 'delete', 'deleteByOpenid', 'ping', 'close'] as const

export interface ResolvedLoginOptions {
  appId: string
  store: SessionStore
  code2Session: Code2SessionClient
  sessionTtlMs: number
  rateLimit: ResolvedLoginRateLimit | false
  singleSessionPerUser: boolean
  closeStore: boolean
  prefix: string | undefined
}

function assertStore(store: unknown, caller: string): asserts store is SessionStore {
  if (typeof store !== 'object' || store === null)
    throw new TypeError(`${caller}: store is required (see createSqliteStore / createRedisStore)`)
  for (const method of STORE_METHODS) {
    if (typeof (store as Record<string, unknown>)[method] !== 'function') {
      throw new TypeError(`${caller}: store.${method} must be a function`)
    }
  }
}

function prefixFrom(prefix: unknown, caller: string): string | undefined {
  if (prefix === undefined || prefix === '') return undefined
  if (typeof prefix !== 'string' || !/^\/[\w\-./]*[^/]$/.test(prefix)) {
    throw new TypeError(`${caller}: prefix must be a path such as '/api' (leading slash, no trailing slash)`)
  }
  return prefix
}

export function resolveLoginOptions(options: LoginPluginOptions, caller: string): ResolvedLoginOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError(`${caller}: options are required`)
  const { wechat } = options
  if (typeof wechat !== 'object' || wechat === null) throw new TypeError(`${caller}: wechat { appId, secret } is required`)
  assertStore(options.store, caller)
  const sessionTtlMs = options.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS
  if (!(Number.isSafeInteger(sessionTtlMs) && sessionTtlMs > 0)) throw new RangeError(`${caller}: sessionTtlMs must be a positive integer`)

  // Validates appId, secret and apiBase (without echoing the secret).
  const code2Session = createCode2SessionClient({
    appId: wechat.appId,
    secret: wechat.secret,
    ...(wechat.apiBase === undefined ? {} : { apiBase: wechat.apiBase }),
    ...(options.code2SessionTimeoutMs === undefined ? {} : { timeoutMs: options.code2SessionTimeoutMs }),
    ...(options.code2SessionRetries === undefined ? {} : { retries: options.code2SessionRetries }),
  })

  return {
    appId: wechat.appId,
    store: options.store,
    code2Session,
    sessionTtlMs,
    rateLimit: resolveLoginRateLimit(options.rateLimit, caller),
    singleSessionPerUser: options.singleSessionPerUser === true,
    closeStore: options.closeStore !== false,
    prefix: prefixFrom(options.prefix, caller),
  }
}
