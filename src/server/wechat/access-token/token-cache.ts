/**
 * Where the access_token is kept so that every server instance uses the same
 * one: the session store (`SessionStore.wechatTokenCache`: a SQLite table, a
 * Redis hash) or, for a store without one, this process's memory.
 */

import { safeEqual } from '../../tokens.ts'

/** Whether two cached tokens (either possibly absent) are the same, compared in constant time as every secret is. */
export function sameToken(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return a === b
  return safeEqual(a, b)
}

/** The access_token of one app as the cache keeps it. */
export interface CachedAccessToken {
  accessToken: string
  /** When WeChat stops accepting it, in ms since the epoch (measured from before the request that fetched it). */
  expiresAt: number
  /** When any instance last made a force refresh, ms since the epoch; spaces force refreshes across instances. */
  lastForcedAt?: number
  /** The UTC day (days since the epoch) that `forceCount` counts. */
  forceDay?: number
  /** Force refreshes made on `forceDay`, by every instance together. */
  forceCount?: number
}

/**
 * The shared token of each app (`name` is the AppID), with a refresh lock so
 * that one instance at a time asks WeChat for a new one. A store seals the
 * token at rest. Every method rejects with a `SessionStoreError` when the
 * store fails.
 */
export interface WechatTokenCache {
  /** The cached token, or `undefined`. An expired one may be answered; the manager checks `expiresAt`. */
  get(name: string): Promise<CachedAccessToken | undefined>
  /**
   * Stores `next` only if the cached token is still `expected` (`undefined`:
   * no token cached), in one atomic step; answers whether it stored. A writer
   * whose lock ran out meanwhile therefore never overwrites a newer token.
   */
  compareAndSet(name: string, expected: string | undefined, next: CachedAccessToken): Promise<boolean>
  /** Takes the refresh lock for `ttlMs` unless another owner holds it; answers whether `owner` holds it now. */
  tryLock(name: string, owner: string, ttlMs: number): Promise<boolean>
  /** Releases the lock if `owner` still holds it. */
  unlock(name: string, owner: string): Promise<void>
}

/** A cache in this process's memory: shared by nothing, but the same contract. */
export function createMemoryTokenCache(now: () => number = Date.now): WechatTokenCache {
  const tokens = new Map<string, CachedAccessToken>()
  const locks = new Map<string, { owner: string; until: number }>()
  return {
    async get(name) {
      const entry = tokens.get(name)
      return entry === undefined ? undefined : { ...entry }
    },
    async compareAndSet(name, expected, next) {
      if (!sameToken(tokens.get(name)?.accessToken, expected)) return false
      tokens.set(name, { ...next })
      return true
    },
    async tryLock(name, owner, ttlMs) {
      const held = locks.get(name)
      if (held !== undefined && held.owner !== owner && held.until > now()) return false
      locks.set(name, { owner, until: now() + ttlMs })
      return true
    },
    async unlock(name, owner) {
      if (locks.get(name)?.owner === owner) locks.delete(name)
    },
  }
}
