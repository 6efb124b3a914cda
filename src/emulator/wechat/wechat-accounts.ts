import { newLoginCode, newOpenId, newSessionKey } from './ids.ts'

interface UserRecord {
  sessionKey: string
  sessionStartedAt: number
  /** Set by `expireSession`; cleared by the next login. */
  sessionExpired: boolean
}

interface CodeRecord {
  openid: string
  /** The session_key this login created; what code2Session hands out for this code. */
  sessionKey: string
  issuedAt: number
  used: boolean
}

export type CodeLookup =
  | { status: 'valid'; openid: string; sessionKey: string }
  | { status: 'unknown' }
  | { status: 'expired'; openid: string }
  | { status: 'used'; openid: string }

export interface WechatAccountsOptions {
  now: () => number
  codeTtlMs: number
  /** How long WeChat keeps a login alive without a new one; `undefined` = until `expireSession`. */
  sessionTtlMs: number | undefined
  /** Whether each login gives the user a new session_key (WeChat's "may refresh", made deterministic). */
  rotateSessionKeyOnLogin: boolean
}

/** Codes older than this many TTLs are forgotten (they would answer 40029 either way). */
const PRUNE_AFTER_TTLS = 2
const PRUNE_WHEN_MORE_THAN = 1_000

/**
 * WeChat's own bookkeeping of users, login codes and session keys: what
 * `wx.login` creates on WeChat's side and what code2Session reads.
 */
export class WechatAccounts {
  readonly #users = new Map<string, UserRecord>()
  readonly #codes = new Map<string, CodeRecord>()
  readonly #highRisk = new Set<string>()
  readonly #options: WechatAccountsOptions

  constructor(options: WechatAccountsOptions) {
    this.#options = options
  }

  /**
   * What `wx.login` does on WeChat's side: a fresh one-time code for the
   * user and a new session. The session_key is replaced too, unless
   * `rotateSessionKeyOnLogin` is off (WeChat does not refresh it on every
   * login in a short while); a first login always creates one.
   */
  issueCode(openid: string = newOpenId()): { code: string; openid: string } {
    const now = this.#options.now()
    const user = this.#users.get(openid)
    const sessionKey = user && !this.#options.rotateSessionKeyOnLogin ? user.sessionKey : newSessionKey()
    if (user) {
      user.sessionKey = sessionKey
      user.sessionStartedAt = now
      user.sessionExpired = false
    } else {
      this.#users.set(openid, { sessionKey, sessionStartedAt: now, sessionExpired: false })
    }
    let code = newLoginCode()
    while (this.#codes.has(code)) code = newLoginCode()
    this.#codes.set(code, { openid, sessionKey, issuedAt: now, used: false })
    this.#pruneOldCodes(now)
    return { code, openid }
  }

  lookupCode(code: string): CodeLookup {
    const record = this.#codes.get(code)
    if (!record) return { status: 'unknown' }
    if (this.#options.now() - record.issuedAt >= this.#options.codeTtlMs) return { status: 'expired', openid: record.openid }
    if (record.used) return { status: 'used', openid: record.openid }
    return { status: 'valid', openid: record.openid, sessionKey: record.sessionKey }
  }

  markUsed(code: string): void {
    const record = this.#codes.get(code)
    if (record) record.used = true
  }

  hasUser(openid: string): boolean {
    return this.#users.has(openid)
  }

  /** The user's current session_key, or `undefined` for a user who never logged in. */
  sessionKeyOf(openid: string): string | undefined {
    return this.#users.get(openid)?.sessionKey
  }

  /**
   * WeChat's data pre-fetch: it gets a code on the user's behalf, which
   * starts a new login state with a new session_key, the old one stale.
   * `undefined` for a user who never logged in.
   */
  rotateSessionKey(openid: string): string | undefined {
    const user = this.#users.get(openid)
    if (!user) return undefined
    user.sessionKey = newSessionKey()
    user.sessionStartedAt = this.#options.now()
    user.sessionExpired = false
    return user.sessionKey
  }

  /**
   * resetUserSessionKey: a new session_key that keeps the old one's expiry
   * (WeChat: a reset cannot extend the login state).
   */
  resetSessionKey(openid: string): string | undefined {
    const user = this.#users.get(openid)
    if (!user) return undefined
    user.sessionKey = newSessionKey()
    return user.sessionKey
  }

  /** What `wx.checkSession` asks: is the session of the user's last login still alive? */
  isSessionAlive(openid: string): boolean {
    const user = this.#users.get(openid)
    if (!user || user.sessionExpired) return false
    const ttl = this.#options.sessionTtlMs
    return ttl === undefined || this.#options.now() - user.sessionStartedAt < ttl
  }

  /** Returns `false` when the user never logged in (nothing to expire). */
  expireSession(openid: string): boolean {
    const user = this.#users.get(openid)
    if (!user) return false
    user.sessionExpired = true
    return true
  }

  isHighRisk(openid: string): boolean {
    return this.#highRisk.has(openid)
  }

  /** Marks a user as high risk (or not); the user need not have logged in yet. */
  setHighRisk(openid: string, on: boolean): void {
    if (on) this.#highRisk.add(openid)
    else this.#highRisk.delete(openid)
  }

  #pruneOldCodes(now: number): void {
    if (this.#codes.size <= PRUNE_WHEN_MORE_THAN) return
    const horizon = this.#options.codeTtlMs * PRUNE_AFTER_TTLS
    for (const [code, record] of this.#codes) {
      if (now - record.issuedAt >= horizon) this.#codes.delete(code)
    }
  }
}
