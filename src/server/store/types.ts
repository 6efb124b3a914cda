import type { WechatTokenCache } from '../wechat/access-token/token-cache.ts'
import type { PhoneNumber } from '../wechat/phone-number.ts'

/** One developer-server session, as a store keeps it. The token itself is never stored. */
export interface SessionRecord {
  /** Lowercase hex SHA-256 of the session token. */
  tokenHash: string
  openid: string
  unionid?: string
  /**
   * WeChat's `session_key` (base64). Stays on the server. On `create`, the key
   * this login brought, which becomes the user's newest; on `get`, the user's
   * newest key (from the latest login, refresh or reset of any of the user's
   * sessions), since WeChat keeps one valid session_key per user.
   */
  sessionKey: string
  /** The app's user: `onLogin`'s `userId`, or the built-in users table's. */
  userId?: string
  /** What `onLogin` answered beside `userId`: JSON, kept with the session. */
  claims?: Record<string, unknown>
  /** Milliseconds since the epoch; the record is gone from `get` once this has passed. */
  expiresAt: number
  /** Milliseconds since the epoch. */
  createdAt: number
  /**
   * When WeChat handed out `sessionKey` (ms since the epoch; default
   * `createdAt`). The user's stored key is replaced only by one handed out as
   * late or later: a login that was slow to write (a long `onLogin`) does not
   * put back the key that a session_key refresh meanwhile made stale.
   */
  sessionKeyAt?: number
}

export interface CreateSessionOptions {
  /** Also delete every other session of the record's openid, in the same atomic step. */
  replaceOpenidSessions?: boolean
}

/** One WeChat user as the store knows them (keyed by openid). Secrets (session_key) are never part of it. */
export interface WechatUser {
  openid: string
  unionid?: string
  /** The app's user id: kept from the first login in built-in mode, the latest `onLogin` answer otherwise. */
  userId?: string
  /** When a login of this user first completed (ms since the epoch); absent until one did. */
  firstLoginAt?: number
  /** The latest completed login. */
  lastLoginAt?: number
  /** The number bound with `POST /auth/phone` (sealed at rest with the store's `encryption`). */
  phone?: PhoneNumber
  phoneBoundAt?: number
}

/** What a login needs to know before it completes. */
export interface LoginStart {
  /** No login of this openid has completed yet (a failed first login leaves it `true`). */
  isNewUser: boolean
  /** The user's id: an existing one, else the `candidateUserId` just reserved; `undefined` without a candidate and without one stored. */
  userId: string | undefined
}

/**
 * Per-user state kept beside the sessions, keyed by openid: the newest
 * session_key, the app user, login times and the bound phone number. Every
 * method rejects with a `SessionStoreError` when the backing store fails.
 */
export interface UserStore {
  /**
   * Before a login completes: whether it is the user's first, and, given
   * `candidateUserId`, the user's id (an existing one is kept; otherwise the
   * candidate is stored, atomically, so racing first logins agree on one id).
   */
  startLogin(openid: string, candidateUserId?: string): Promise<LoginStart>
  /** The user, or `undefined` when no login of theirs ever started. */
  get(openid: string): Promise<WechatUser | undefined>
  /** The user's newest session_key, or `undefined`. */
  sessionKeyOf(openid: string): Promise<string | undefined>
  /**
   * Makes `sessionKey` the user's newest (a refresh or a reset) unless the
   * stored one was handed out later than `obtainedAt` (ms; default now);
   * `unionid` is updated when given. Every session of the user reads it from now on.
   */
  setSessionKey(openid: string, sessionKey: string, unionid?: string, obtainedAt?: number): Promise<void>
  /** Keeps `phone` with the user (sealed at rest). */
  bindPhoneNumber(openid: string, phone: PhoneNumber, boundAt: number): Promise<void>
}

/**
 * Where sessions live. Every method rejects with a `SessionStoreError` when the
 * backing store fails, so routes can answer 503 instead of a 500.
 */
export interface SessionStore {
  /**
   * Writes the session and, in the same atomic step, the user's login: the
   * record's session_key becomes the user's newest, the login times and
   * unionid and userId are updated.
   */
  create(record: SessionRecord, options?: CreateSessionOptions): Promise<void>
  /** The record for a token hash (with the user's newest session_key), or `undefined` when there is none or it expired. */
  get(tokenHash: string): Promise<SessionRecord | undefined>
  /** `true` when a session was deleted. */
  delete(tokenHash: string): Promise<boolean>
  /** Deletes every session of one user; resolves with how many there were. */
  deleteByOpenid(openid: string): Promise<number>
  /** Resolves when the store answers; used by the health check. */
  ping(): Promise<void>
  /** Releases the store's resources. Idempotent. */
  close(): Promise<void>
  /** Per-user state: newest session_key, app user, phone number. */
  readonly users: UserStore
  /**
   * Rate-limit counters kept where the sessions are, shared by every server
   * instance over the same data (the Redis store has them). Without one, the
   * login rate limit counts in each process's memory.
   */
  readonly rateLimitCounter?: RateLimitCounter
  /**
   * The shared access_token (both built-in stores have one). Without one,
   * each process keeps its own token in memory.
   */
  readonly wechatTokenCache?: WechatTokenCache
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
