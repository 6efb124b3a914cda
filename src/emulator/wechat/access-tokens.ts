import { WECHAT_ERRCODES } from './errcodes.ts'
import { ACCESS_TOKEN_SHAPE, newAccessToken } from './ids.ts'

/** How stable_token hands out and replaces tokens (every value in milliseconds). */
export interface AccessTokenPolicy {
  /** A token's life from its issue (WeChat: 7200 s). */
  ttlMs: number
  /** Normal mode issues a new token once the current one has this little left (WeChat: 5 minutes). */
  refreshAheadMs: number
  /** After a force refresh, the token it replaced keeps working this long, unless a second force refresh comes first. */
  forceRefreshOverlapMs: number
  /** A force refresh this soon after the previous one does not refresh (WeChat: 30 s). */
  forceRefreshMinIntervalMs: number
}

/** Why a token is or is not accepted, in the terms of the errcodes it leads to. */
export type AccessTokenCheck =
  /** Accepted. */
  | 'valid'
  /** No token at all (41001). */
  | 'missing'
  /** Not shaped like an access_token (40014). */
  | 'malformed'
  /** Shaped like one, but never issued here, or replaced by a force refresh (40001). */
  | 'invalid'
  /** Issued here and past its expiry (42001). */
  | 'expired'

export interface IssuedAccessToken {
  accessToken: string
  /** Whole seconds left, as stable_token's `expires_in` reports it. */
  expiresIn: number
}

interface TokenRecord {
  expiresAt: number
  /** When a force refresh made this token stop working; it answers 40001 from then on. */
  invalidFrom: number | undefined
}

/** Dead tokens are forgotten after a day (they would answer 40001 instead of 42001 then). */
const FORGET_AFTER_MS = 24 * 60 * 60_000
const PRUNE_WHEN_MORE_THAN = 100

/**
 * WeChat's side of the stable access_token of one app: which token is
 * current, which older ones still work during their hand-over, and which
 * have expired or been invalidated, so that every API can answer a token the
 * way WeChat does.
 */
export class AccessTokens {
  readonly #tokens = new Map<string, TokenRecord>()
  readonly #policy: AccessTokenPolicy
  readonly #now: () => number
  #current: string | undefined
  #lastForceRefreshAt: number | undefined
  #issued = 0
  #forceRefreshes = 0

  constructor(policy: AccessTokenPolicy, now: () => number) {
    this.#policy = policy
    this.#now = now
  }

  /**
   * Normal mode: the current token while it has more than `refreshAheadMs`
   * left; otherwise a new one, the old one working on until its own expiry.
   * So `expiresIn` is never below `refreshAheadMs` (WeChat: >= 300 s).
   */
  normal(): IssuedAccessToken {
    const now = this.#now()
    const current = this.#current === undefined ? undefined : this.#tokens.get(this.#current)
    if (this.#current !== undefined && current && this.#works(current, now) && current.expiresAt - now > this.#policy.refreshAheadMs) {
      return { accessToken: this.#current, expiresIn: Math.floor((current.expiresAt - now) / 1000) }
    }
    return this.#issue(now)
  }

  /**
   * Force-refresh mode: a new token at once. The token it replaces works for
   * `forceRefreshOverlapMs` more; any older one stops now, so two force
   * refreshes kill a leaked token at once, as WeChat documents. Within
   * `forceRefreshMinIntervalMs` of the previous force refresh nothing is
   * refreshed and the call answers like normal mode.
   */
  forceRefresh(): { token: IssuedAccessToken; refreshed: boolean } {
    const now = this.#now()
    if (this.#lastForceRefreshAt !== undefined && now - this.#lastForceRefreshAt < this.#policy.forceRefreshMinIntervalMs) {
      return { token: this.normal(), refreshed: false }
    }
    for (const [token, record] of this.#tokens) {
      if (token === this.#current || !this.#works(record, now)) continue
      record.invalidFrom = now
    }
    const replaced = this.#current === undefined ? undefined : this.#tokens.get(this.#current)
    if (replaced && this.#works(replaced, now)) replaced.invalidFrom = now + this.#policy.forceRefreshOverlapMs
    this.#lastForceRefreshAt = now
    this.#forceRefreshes++
    return { token: this.#issue(now), refreshed: true }
  }

  check(token: string | null | undefined): AccessTokenCheck {
    if (token === null || token === undefined || token.length === 0) return 'missing'
    if (!ACCESS_TOKEN_SHAPE.test(token)) return 'malformed'
    const record = this.#tokens.get(token)
    const now = this.#now()
    if (!record || (record.invalidFrom !== undefined && now >= record.invalidFrom)) return 'invalid'
    if (now >= record.expiresAt) return 'expired'
    return 'valid'
  }

  /** Every token that works now expires now (42001 from then on). Returns how many did. */
  expireAll(): number {
    const now = this.#now()
    let expired = 0
    for (const record of this.#tokens.values()) {
      if (!this.#works(record, now)) continue
      record.expiresAt = now
      expired++
    }
    return expired
  }

  /** Distinct tokens issued so far. */
  get issued(): number {
    return this.#issued
  }

  /** Force refreshes that replaced the token (not the ones within the minimum interval). */
  get forceRefreshes(): number {
    return this.#forceRefreshes
  }

  /** Tokens that work right now: the current one, plus one in its hand-over at most. */
  get live(): number {
    const now = this.#now()
    let live = 0
    for (const record of this.#tokens.values()) if (this.#works(record, now)) live++
    return live
  }

  resetCounters(): void {
    this.#issued = 0
    this.#forceRefreshes = 0
  }

  #works(record: TokenRecord, now: number): boolean {
    return now < record.expiresAt && (record.invalidFrom === undefined || now < record.invalidFrom)
  }

  #issue(now: number): IssuedAccessToken {
    let token = newAccessToken()
    while (this.#tokens.has(token)) token = newAccessToken()
    this.#tokens.set(token, { expiresAt: now + this.#policy.ttlMs, invalidFrom: undefined })
    this.#current = token
    this.#issued++
    this.#prune(now)
    return { accessToken: token, expiresIn: Math.floor(this.#policy.ttlMs / 1000) }
  }

  #prune(now: number): void {
    if (this.#tokens.size <= PRUNE_WHEN_MORE_THAN) return
    for (const [token, record] of this.#tokens) {
      const deadSince = Math.min(record.expiresAt, record.invalidFrom ?? Number.POSITIVE_INFINITY)
      if (token !== this.#current && now - deadSince >= FORGET_AFTER_MS) this.#tokens.delete(token)
    }
  }
}

/** The errcode WeChat answers for a token that is not accepted. */
export function errcodeForAccessToken(check: Exclude<AccessTokenCheck, 'valid'>): number {
  switch (check) {
    case 'missing':
      return WECHAT_ERRCODES.accessTokenMissing
    case 'malformed':
      return WECHAT_ERRCODES.invalidAccessToken
    case 'invalid':
      return WECHAT_ERRCODES.invalidCredential
    case 'expired':
      return WECHAT_ERRCODES.accessTokenExpired
  }
}
