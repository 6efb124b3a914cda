/**
 * The life cycle of a user's session_key on the server. WeChat keeps one
 * valid session_key per user and may replace it at any later `wx.login` (or
 * its data pre-fetch); the store keeps the newest one a login brought, for
 * every session of the user. This asks WeChat whether that key is still the
 * current one (checksession) and has it replaced (resetusersessionkey).
 *
 * `isCurrent` remembers a "stale" verdict for a minute per user and key, so
 * a client that keeps sending data it cannot decrypt with a stale key costs
 * one checksession a minute, not one per request. A "current" verdict is not
 * remembered: WeChat may replace the key the next moment (its data
 * pre-fetch), while a stale key never becomes current again.
 */
import type { UserStore } from '../store/index.ts'
import { asHttpError } from '../wechat/index.ts'
import type { WechatServerApi } from '../wechat/index.ts'
import { HttpError } from '../http-errors.ts'
import { sha256Hex } from '../sha256-hex.ts'

export const SESSION_KEY_VERDICT_TTL_MS = 60_000
const MAX_REMEMBERED = 10_000

export interface SessionKeyService {
  /** `true` while the user's stored session_key is WeChat's current one; `false` when it is stale or there is none. Other failures reject with an `HttpError`. */
  check(openid: string): Promise<boolean>
  /** Has WeChat replace the user's session_key and stores the new one; an `HttpError` 409 `session_key_stale` when the stored key is stale or missing. */
  reset(openid: string): Promise<void>
  /** Like `check`, for a key already at hand, with the verdict remembered briefly. */
  isCurrent(openid: string, sessionKey: string): Promise<boolean>
  /** Forgets what `isCurrent` remembered about a user (their key just changed). */
  forget(openid: string): void
}

const fingerprint = (sessionKey: string): string => sha256Hex(sessionKey)

export function createSessionKeyService(users: UserStore, api: WechatServerApi, now: () => number = Date.now): SessionKeyService {
  const verdicts = new Map<string, { key: string; current: boolean; until: number }>()

  function remember(openid: string, sessionKey: string, current: boolean): void {
    verdicts.delete(openid)
    if (current) return
    if (verdicts.size >= MAX_REMEMBERED) {
      const oldest = verdicts.keys().next().value
      if (oldest !== undefined) verdicts.delete(oldest)
    }
    verdicts.set(openid, { key: fingerprint(sessionKey), current, until: now() + SESSION_KEY_VERDICT_TTL_MS })
  }

  return {
    async check(openid) {
      const sessionKey = await users.sessionKeyOf(openid)
      if (sessionKey === undefined) return false
      const current = await api.checkSessionKey(openid, sessionKey).catch((error: unknown) => {
        throw asHttpError(error)
      })
      remember(openid, sessionKey, current)
      return current
    },

    async reset(openid) {
      const sessionKey = await users.sessionKeyOf(openid)
      if (sessionKey === undefined) {
        throw new HttpError(409, 'session_key_stale', 'the server holds no session_key for this user; log in or refresh it first')
      }
      const fresh = await api.resetSessionKey(openid, sessionKey).catch((error: unknown) => {
        throw asHttpError(error)
      })
      await users.setSessionKey(openid, fresh)
      verdicts.delete(openid)
    },

    async isCurrent(openid, sessionKey) {
      const known = verdicts.get(openid)
      if (known !== undefined && known.until > now() && known.key === fingerprint(sessionKey)) return known.current
      const current = await api.checkSessionKey(openid, sessionKey)
      remember(openid, sessionKey, current)
      return current
    },

    forget(openid) {
      verdicts.delete(openid)
    },
  }
}
