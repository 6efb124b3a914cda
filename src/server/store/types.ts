/** One developer-server session, as a store keeps it. The token itself is never stored. */
export interface SessionRecord {
  /** Lowercase hex SHA-256 of the session token. */
  tokenHash: string
  openid: string
  unionid?: string
  /** WeChat's `session_key` (base64). Stays on the server. */
  sessionKey: string
  /** Milliseconds since the epoch; the record is gone from `get` once this has passed. */
  expiresAt: number
  /** Milliseconds since the epoch. */
  createdAt: number
}

export interface CreateSessionOptions {
  /** Also delete every other session of the record's openid, in the same atomic step. */
  replaceOpenidSessions?: boolean
}

/**
 * Where sessions live. Every method rejects with a `SessionStoreError` when the
 * backing store fails, so routes can answer 503 instead of a 500.
 */
export interface SessionStore {
  create(record: SessionRecord, options?: CreateSessionOptions): Promise<void>
  /** The record for a token hash, or `undefined` when there is none or it expired. */
  get(tokenHash: string): Promise<SessionRecord | undefined>
  /** `true` when a session was deleted. */
  delete(tokenHash: string): Promise<boolean>
  /** Deletes every session of one user; resolves with how many there were. */
  deleteByOpenid(openid: string): Promise<number>
  /** Resolves when the store answers; used by the health check. */
  ping(): Promise<void>
  /** Releases the store's resources. Idempotent. */
  close(): Promise<void>
  /**
   * Rate-limit counters kept where the sessions are, shared by every server
   * instance over the same data (the Redis store has them). Without one, the
   * login rate limit counts in each process's memory.
   */
  readonly rateLimitCounter?: RateLimitCounter
}

/** One counted hit: the count in the current window, the hit included, and the time until the window ends. */
export interface RateLimitHit {
  count: number
  resetInMs: number
}

/**
 * Fixed-window counters: a window starts with its key's first hit and lasts
 * `windowMs`; a key is never forgotten while its window is open.
 */
export interface RateLimitCounter {
  hit(key: string, windowMs: number): Promise<RateLimitHit>
}
