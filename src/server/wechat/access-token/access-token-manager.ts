/**
 * The app's access_token, shared by every server instance through a
 * `WechatTokenCache` (the session store), as WeChat asks: one token for the
 * app, fetched and refreshed centrally, so that instances do not invalidate
 * each other's tokens.
 *
 * - A request gets the cached token while it is valid. Once it has
 *   `refreshAheadMs` or less left, one refresh starts in the background and the
 *   request goes on with the current token (WeChat keeps it working through its
 *   five-minute hand-over).
 * - A refresh is made by one instance at a time: the one that takes the
 *   cache's lock. The others keep serving the current token, or, when there
 *   is none, wait for the new one.
 * - When an API refuses the token (40001, 42001, 40014), the call is retried
 *   once with a replacement: another instance's newer token if there is one,
 *   else a normal-mode refresh, and only if that answers the very token that
 *   was refused (and the API said 40001 or 40014), a force refresh. Force
 *   refreshes are spaced `forceRefreshIntervalMs` apart and limited to
 *   `maxForceRefreshesPerDay` for all instances together (the cache counts
 *   them); WeChat allows 20 a day and ignores one within 30 s of the previous.
 *
 * The token is in no log line, no error and no event.
 */
import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { DEFAULT_WECHAT_API_BASE, wechatEndpoint } from '../api-base.ts'
import { ACCESS_TOKEN_REJECTED_ERRCODES, isAccessTokenRejection, isWechatApiError, WechatApiError } from '../wechat-api-error.ts'
import { fetchStableToken, type FetchedAccessToken } from './stable-token.ts'
import { sameToken, type CachedAccessToken, type WechatTokenCache } from './token-cache.ts'
import { timerDelay } from '../../timer-delay.ts'

export const DEFAULT_ACCESS_TOKEN_TIMEOUT_MS = 5000
/** WeChat's hand-over: in a token's last five minutes a normal-mode call gets a new one. */
export const DEFAULT_ACCESS_TOKEN_REFRESH_AHEAD_MS = 300_000
/** Half of WeChat's 20 a day, leaving the rest for an operator's own emergency refreshes. */
export const DEFAULT_MAX_FORCE_REFRESHES_PER_DAY = 10
/** WeChat does not refresh on a force-refresh call within 30 s of the previous one. */
export const DEFAULT_FORCE_REFRESH_INTERVAL_MS = 30_000
/** After a background refresh that brought no new token (WeChat is not in the hand-over yet), the next try waits this long. */
const BACKGROUND_RETRY_MS = 10_000
const DAY_MS = 86_400_000
const FIRST_POLL_MS = 20
const MAX_POLL_MS = 250

/** Why a force refresh was not made: too soon after the last, today's budget spent, or WeChat's own quota (45009). */
export type ForceWithheldReason = 'interval' | 'daily_limit' | 'wechat_daily_quota'

/** What the manager reports, for the server's log: never the token. */
export type AccessTokenEvent =
  | { type: 'refreshed'; forced: boolean; expiresInSeconds: number; changed: boolean }
  | { type: 'refresh_failed'; background: boolean; error: unknown }
  | { type: 'force_refresh_withheld'; reason: ForceWithheldReason }

export interface AccessTokenManagerOptions {
  appId: string
  /** The AppSecret: sent in stable_token's body only. */
  secret: string
  /** Default `https://api.weixin.qq.com`; https unless on loopback. */
  apiBase?: string
  /** Where the token is shared: the session store's cache, or `createMemoryTokenCache()`. */
  cache: WechatTokenCache
  /** One stable_token call at most this long. Default 5000 ms. */
  timeoutMs?: number
  /** Refresh in the background once the token has this little left. Default 300 000 ms (WeChat's hand-over). */
  refreshAheadMs?: number
  /** How long one instance holds the refresh lock at most. Default three times `timeoutMs`. */
  lockTtlMs?: number
  /** Force refreshes allowed a UTC day, every instance together. Default 10 (WeChat allows 20). */
  maxForceRefreshesPerDay?: number
  /** Least time between two force refreshes, every instance together. Default 30 000 ms. */
  forceRefreshIntervalMs?: number
  fetch?: typeof fetch
  now?: () => number
  onEvent?: (event: AccessTokenEvent) => void
}

export interface AccessTokenManager {
  /** A token WeChat accepts now, as far as the manager knows. Rejects with a `WechatApiError` (or a `SessionStoreError`). */
  get(): Promise<string>
  /**
   * Runs `call` with the token. When the call rejects because WeChat refused
   * the token, replaces it (see above) and runs `call` once more; a second
   * refusal, or no replacement, rejects with the API's own error.
   */
  withToken<T>(call: (accessToken: string) => Promise<T>): Promise<T>
  /**
   * For a call of your own that WeChat answered 40001, 42001 or 40014 with
   * `refused`: a replacement (another instance's newer token, a normal-mode
   * refresh, or, for 40001/40014 only, a force refresh within its limits).
   * Retry your call once with it. Rejects with a `WechatApiError`
   * (`token_unavailable`) when no other token can be had.
   */
  replace(refused: string, errcode: number): Promise<string>
}

interface RefreshRequest {
  /** The token this refresh replaces: an answer equal to it is no replacement. */
  replacing: string | undefined
  /** Wait for another instance's refresh (rather than keep the current token). */
  wait: boolean
  /** A force refresh is allowed if normal mode answers `replacing` again. */
  mayForce: boolean
}

function positive(value: number | undefined, fallback: number, what: string, allowZero = false): number {
  const resolved = value ?? fallback
  if (!Number.isFinite(resolved) || resolved < 0 || (!allowZero && resolved === 0)) {
    throw new RangeError(`access token manager: ${what} must be a ${allowZero ? 'non-negative' : 'positive'} number`)
  }
  return resolved
}

export function createAccessTokenManager(options: AccessTokenManagerOptions): AccessTokenManager {
  const { appId, secret, cache } = options
  // The AppID names the token in the cache (a Redis hash tag too): WeChat's AppIDs are `wx` and 16 hex digits.
  if (typeof appId !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(appId)) {
    throw new TypeError('access token manager: appId must be 1 to 64 of A-Z a-z 0-9 _ - (WeChat AppIDs are)')
  }
  if (typeof secret !== 'string' || secret.length === 0) throw new TypeError('access token manager: secret must be a non-empty string')
  const endpoint = wechatEndpoint(options.apiBase ?? DEFAULT_WECHAT_API_BASE, '/cgi-bin/stable_token', 'access token manager')
  const timeoutMs = timerDelay(options.timeoutMs ?? DEFAULT_ACCESS_TOKEN_TIMEOUT_MS, 'access token manager: timeoutMs')
  const refreshAheadMs = positive(options.refreshAheadMs, DEFAULT_ACCESS_TOKEN_REFRESH_AHEAD_MS, 'refreshAheadMs', true)
  const lockTtlMs = Math.ceil(positive(options.lockTtlMs, timeoutMs * 3, 'lockTtlMs'))
  const maxForcePerDay = positive(options.maxForceRefreshesPerDay, DEFAULT_MAX_FORCE_REFRESHES_PER_DAY, 'maxForceRefreshesPerDay', true)
  const forceIntervalMs = positive(options.forceRefreshIntervalMs, DEFAULT_FORCE_REFRESH_INTERVAL_MS, 'forceRefreshIntervalMs', true)
  const doFetch = options.fetch ?? globalThis.fetch
  const now = options.now ?? Date.now
  const emit = (event: AccessTokenEvent): void => options.onEvent?.(event)
  /** Long enough for a holder that died to lose its lock, and for this instance to refresh after it. */
  const waitForOthersMs = lockTtlMs + timeoutMs * 2
  const owner = randomUUID()

  let inflight: Promise<string> | undefined
  let nextBackgroundAt = 0
  /** After WeChat answered 45009 to a force refresh: no more force refreshes from this process until then. */
  let forceBlockedUntil = 0

  const fetchToken = (forceRefresh: boolean): Promise<FetchedAccessToken> =>
    fetchStableToken({ endpoint, appId, secret, forceRefresh, timeoutMs, fetch: doFetch })

  function forceWithheld(current: CachedAccessToken | undefined, at: number): ForceWithheldReason | undefined {
    if (at < forceBlockedUntil) return 'wechat_daily_quota'
    if (current?.lastForcedAt !== undefined && at - current.lastForcedAt < forceIntervalMs) return 'interval'
    const today = Math.floor(at / DAY_MS)
    const usedToday = current?.forceDay === today ? (current.forceCount ?? 0) : 0
    if (usedToday >= maxForcePerDay) return 'daily_limit'
    return undefined
  }

  async function refreshHoldingLock(request: RefreshRequest): Promise<string> {
    const current = await cache.get(appId)
    // Another instance refreshed between our look and our lock.
    if (current !== undefined && current.expiresAt > now() && !sameToken(current.accessToken, request.replacing)) return current.accessToken

    const startedAt = now()
    let fetched = await fetchToken(false)
    let forced = false
    if (request.mayForce && sameToken(fetched.accessToken, request.replacing)) {
      const withheld = forceWithheld(current, startedAt)
      if (withheld !== undefined) emit({ type: 'force_refresh_withheld', reason: withheld })
      else {
        try {
          fetched = await fetchToken(true)
          forced = true
        } catch (error) {
          if (!(isWechatApiError(error) && error.errcode === 45009)) throw error
          forceBlockedUntil = (Math.floor(startedAt / DAY_MS) + 1) * DAY_MS
          emit({ type: 'force_refresh_withheld', reason: 'wechat_daily_quota' })
        }
      }
    }

    const today = Math.floor(startedAt / DAY_MS)
    const next: CachedAccessToken = {
      accessToken: fetched.accessToken,
      // From before the request: the token certainly expires no later than this.
      expiresAt: startedAt + fetched.expiresInSeconds * 1000,
      ...(forced
        ? {
            lastForcedAt: startedAt,
            forceDay: today,
            forceCount: (current?.forceDay === today ? (current.forceCount ?? 0) : 0) + 1,
          }
        : {
            ...(current?.lastForcedAt === undefined ? {} : { lastForcedAt: current.lastForcedAt }),
            ...(current?.forceDay === undefined ? {} : { forceDay: current.forceDay, forceCount: current.forceCount ?? 0 }),
          }),
    }
    if (!(await cache.compareAndSet(appId, current?.accessToken, next))) {
      // Our lock ran out and someone else stored a token meanwhile: theirs is the newer.
      const latest = await cache.get(appId)
      if (latest !== undefined && latest.expiresAt > now()) return latest.accessToken
    }
    emit({
      type: 'refreshed',
      forced,
      expiresInSeconds: fetched.expiresInSeconds,
      changed: !sameToken(fetched.accessToken, current?.accessToken),
    })
    return next.accessToken
  }

  async function runRefresh(request: RefreshRequest): Promise<string> {
    const giveUpAt = now() + waitForOthersMs
    let delay = FIRST_POLL_MS
    for (;;) {
      if (await cache.tryLock(appId, owner, lockTtlMs)) {
        try {
          return await refreshHoldingLock(request)
        } finally {
          await cache.unlock(appId, owner).catch(() => {
            // The lock expires by itself; a failed release only delays the next refresh by its TTL.
          })
        }
      }
      // Another instance is refreshing: its token as soon as it is there, or the current one meanwhile.
      const entry = await cache.get(appId)
      const at = now()
      const valid = entry !== undefined && entry.expiresAt > at
      if (valid && (!sameToken(entry.accessToken, request.replacing) || !request.wait)) return entry.accessToken
      if (at >= giveUpAt) {
        throw new WechatApiError(
          'stableToken',
          'token_unavailable',
          `no access_token came within ${waitForOthersMs} ms while another server instance held the refresh lock`,
        )
      }
      await sleep(Math.min(delay, giveUpAt - at))
      delay = Math.min(delay * 2, MAX_POLL_MS)
    }
  }

  /** One refresh per process at a time; whoever asks meanwhile shares its outcome. */
  function refresh(request: RefreshRequest): Promise<string> {
    inflight ??= runRefresh(request).finally(() => {
      inflight = undefined
    })
    return inflight
  }

  async function get(): Promise<string> {
    const entry = await cache.get(appId)
    const at = now()
    if (entry !== undefined && entry.expiresAt > at) {
      if (entry.expiresAt - at <= refreshAheadMs && at >= nextBackgroundAt && inflight === undefined) {
        nextBackgroundAt = at + BACKGROUND_RETRY_MS
        refresh({ replacing: entry.accessToken, wait: false, mayForce: false }).catch((error: unknown) =>
          emit({ type: 'refresh_failed', background: true, error }),
        )
      }
      return entry.accessToken
    }
    try {
      return await refresh({ replacing: entry?.accessToken, wait: true, mayForce: false })
    } catch (error) {
      emit({ type: 'refresh_failed', background: false, error })
      throw error
    }
  }

  /** A token other than `refused`, or the API's own refusal when none can be had. */
  async function replacementFor(refused: string, rejection: WechatApiError): Promise<string> {
    const request: RefreshRequest = { replacing: refused, wait: true, mayForce: rejection.errcode !== 42001 }
    let token: string
    // A refresh already running is someone else's (a background one, say): it may neither wait for
    // another instance's token nor force, and so hand back the refused token.
    const joined = inflight !== undefined
    try {
      token = await refresh(request)
      // Then one more, ours: it waits for the instance holding the lock, and forces if it may.
      if (sameToken(token, refused) && (joined || request.mayForce)) token = await refresh(request)
    } catch (error) {
      emit({ type: 'refresh_failed', background: false, error })
      throw error
    }
    if (sameToken(token, refused)) throw rejection
    return token
  }

  return {
    get,
    async replace(refused, errcode) {
      if (typeof refused !== 'string' || refused.length === 0)
        throw new TypeError('access token manager: refused must be the token WeChat refused')
      if (!ACCESS_TOKEN_REJECTED_ERRCODES.has(errcode)) {
        throw new RangeError('access token manager: errcode must be one with which WeChat refuses a token (40001, 42001, 40014)')
      }
      const rejection = new WechatApiError(
        'stableToken',
        'token_unavailable',
        `no access_token other than the one refused with ${errcode} could be had`,
        {
          errcode,
        },
      )
      return replacementFor(refused, rejection)
    },
    async withToken<T>(call: (accessToken: string) => Promise<T>): Promise<T> {
      const token = await get()
      try {
        return await call(token)
      } catch (error) {
        if (!isAccessTokenRejection(error)) throw error
        return call(await replacementFor(token, error))
      }
    },
  }
}
