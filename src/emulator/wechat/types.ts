import type { WechatApiName } from './fault-plan.ts'
import type { EncryptedUserData } from './user-data-crypto.ts'

/** code2Session faults armed from the start; the same as calling the controls right after start. */
export interface WechatEmulatorFaults {
  /** Answer this many code2Session calls with `{ errcode: failErrcode }`. */
  failNext?: number
  /** Default -1 (system busy). */
  failErrcode?: number
  /** Destroy the connection of this many code2Session calls without answering. */
  dropNext?: number
}

export interface WechatEmulatorRateLimit {
  /** Calls allowed per window (for code2Session, per user: WeChat documents 100 per minute). */
  max: number
  /** Default 60 000 (one minute). */
  windowMs?: number
}

/**
 * How `POST /cgi-bin/stable_token` behaves. Every field defaults to what
 * WeChat documents for getStableAccessToken (docs/emulator.md); durations are
 * milliseconds.
 */
export interface WechatEmulatorAccessTokenOptions {
  /** A token's life. Default 7 200 000 (7200 s). */
  ttlMs?: number
  /**
   * In normal mode, a call in the token's last `refreshAheadMs` gets a new
   * token; the old one works on until its own expiry. Default 300 000 (five
   * minutes), so `expires_in` is never below 300. Must be below `ttlMs`.
   */
  refreshAheadMs?: number
  /** After a force refresh, how long the replaced token keeps working (unless a second force refresh comes first). Default 300 000. */
  forceRefreshOverlapMs?: number
  /** Force-refresh calls allowed per day (45009 past it). Default 20. */
  forceRefreshPerDay?: number
  /** A force refresh this soon after the previous one does not refresh. Default 30 000. */
  forceRefreshMinIntervalMs?: number
  /** stable_token calls allowed per minute (45011 past it). Default 10 000. */
  perMinute?: number
  /** stable_token calls allowed per day (45009 past it). Default 500 000. */
  perDay?: number
}

export interface WechatEmulatorOptions {
  /** The mini-program's AppID that code2Session accepts. */
  appId: string
  /** The AppSecret that code2Session accepts. Never logged, never sent back. */
  secret: string
  /** 0 (default) picks a free port. */
  port?: number
  /** Default 127.0.0.1. */
  host?: string
  /** Delay before every answer, WeChat API and private endpoints alike. Default 0. */
  latencyMs?: number
  faults?: WechatEmulatorFaults
  /** The emulator's clock (code expiry, session expiry, rate-limit windows, watermark). Default `Date.now`. */
  now?: () => number
  /** How long a login code stays valid. Default 5 minutes, as WeChat documents. */
  codeTtlMs?: number
  /** How long a login stays alive for `wx.checkSession`. Default: until `expireSession` or the next login. */
  sessionTtlMs?: number
  /** Default 100 calls per user per minute, as WeChat documents. */
  rateLimit?: WechatEmulatorRateLimit
  /** The unionid to return for a user; default none (a mini-program not bound to an Open Platform account). */
  unionIdOf?: (openid: string) => string | undefined
  /**
   * The app is bound to an Open Platform account: code2Session answers a
   * `unionid` for every user, derived from the openid (the same openid gets
   * the same unionid on every emulator). `unionIdOf`, when given, decides
   * instead. Default false; `false` together with `unionIdOf` is a TypeError.
   */
  openPlatformBound?: boolean
  /** Whether every login gives the user a new session_key. Default true; false keeps the key across logins. */
  rotateSessionKeyOnLogin?: boolean
  accessToken?: WechatEmulatorAccessTokenOptions
  /** How long a phone-number code stays valid. Default 5 minutes, as WeChat documents. */
  phoneCodeTtlMs?: number
  /** Phone-number button calls the app has paid for; `issuePhoneCode` fails once they are used up. Default unlimited. */
  phoneQuota?: number
  /** getuserphonenumber calls allowed per user per window (45011 past it). Default 100 per minute. */
  phoneRateLimit?: WechatEmulatorRateLimit
  /** resetusersessionkey calls allowed for the app per window (45011 past it). Default 60 000 per minute, as WeChat documents. */
  resetSessionKeyRateLimit?: WechatEmulatorRateLimit
  /**
   * Receives one line per request (method, path, outcome). Query strings,
   * bodies and answers never appear, so no AppSecret, access_token,
   * session_key, code, signature or phone number does.
   */
  log?: (line: string) => void
}

/** Calls of one WeChat API since start or `resetStats`. */
export interface WechatApiStats {
  /** Requests, whatever their outcome (dropped ones included). */
  calls: number
  /** Requests answered with a success. */
  ok: number
  /** Answers per errcode, e.g. `{ '40001': 1 }`. */
  errors: Record<string, number>
}

export interface WechatAccessTokenStats {
  /** `POST /cgi-bin/stable_token` requests, whatever their outcome. */
  calls: number
  /** Of those, the ones with `force_refresh: true` that passed the credential checks. */
  forceRefreshCalls: number
  /** Force refreshes that replaced the token (not refused with 45009, not within 30 s of the previous one). */
  forceRefreshes: number
  /** Distinct access_tokens issued. */
  issued: number
  /** Tokens that work right now: the current one, and one in its hand-over at most. Not reset by `resetStats`. */
  live: number
}

export interface WechatPhoneNumberStats {
  /** Phone-number codes handed out by `issuePhoneCode`: what WeChat bills (a successful button call). */
  billed: number
  /** Button calls left in the quota (`Infinity` when unlimited). Not reset by `resetStats`. */
  quotaRemaining: number
  /** getuserphonenumber calls that answered a number. */
  exchanged: number
}

/** Faults for the next calls of one API, used first in, first out, one per call. */
export interface WechatApiFaults {
  /** The next `count` calls answer `{ errcode, errmsg }` (default -1, system busy). */
  failNext(count: number, errcode?: number): void
  /** The next `count` calls answer this HTTP status (default 503), as a broken gateway would. */
  failNextWithStatus(count: number, status?: number): void
  /** The next `count` calls get their connection destroyed without an answer. */
  dropNext(count: number): void
  /** The next `count` calls wait `ms` before they are handled (on top of the latency). */
  delayNext(count: number, ms: number): void
  /**
   * The next `count` calls are received and then wait, unanswered, until
   * `release()` (then they are handled as usual): "a request is in flight
   * now" as a fact the test controls. `close()` cuts the ones still held.
   */
  holdNext(count: number): WechatHeldCalls
  /**
   * The next `count` calls get this body with this status (default 200), as
   * they are: what a gateway's error page, a truncated answer or a changed
   * API looks like to the caller.
   */
  answerNextRaw(count: number, body: string, status?: number): void
}

/** Calls held by `holdNext`. */
export interface WechatHeldCalls {
  /** Calls received and held right now. */
  readonly waiting: number
  /** Resolves once `count` calls are held at the same time. */
  reached(count: number): Promise<void>
  /** Lets every held call (and every later one of this hold) be handled. */
  release(): void
}

export interface WechatEmulatorStats {
  /** Requests to `/sns/jscode2session`, whatever their outcome (dropped ones included). */
  code2Session: number
  /** code2Session calls that returned a session. */
  code2SessionOk: number
  /** code2Session answers per errcode, e.g. `{ '40163': 1 }`. */
  code2SessionErrors: Record<string, number>
  /** Connections destroyed by `dropNext`, every API together. */
  dropped: number
  /** Calls per WeChat API, code2Session included. */
  apis: Record<WechatApiName, WechatApiStats>
  /** Calls of the private `/__sim/login` endpoint (what `wx.login` does). */
  login: number
  /** Calls of the private `/__sim/checkSession` endpoint (what `wx.checkSession` does). */
  checkSession: number
  /** Requests received and not answered yet (waiting out latency, for instance). Not reset by `resetStats`. */
  inFlight: number
}

export interface WechatEmulator {
  /** Base URL, e.g. `http://127.0.0.1:53211`; the developer server's `apiBase`. */
  readonly url: string
  readonly appId: string
  /**
   * What `wx.login` does on WeChat's side: a fresh code for `openid` (a new
   * random user when omitted). Rotates the user's session_key and revives
   * the session for `wx.checkSession`.
   */
  issueCode(openid?: string): Promise<string>
  /** WeChat's side of the user's session expires: checkSession fails until the next login. */
  expireSession(openid: string): void
  /** `true` once a login happened and the session was neither expired nor timed out. */
  isSessionAlive(openid: string): boolean
  /** code2Session answers 40226 for this user while on. */
  setHighRisk(openid: string, on: boolean): void
  /** The next `count` code2Session calls answer `{ errcode, errmsg }` (default -1, system busy). */
  failNext(count: number, errcode?: number): void
  /** The next `count` code2Session calls answer this HTTP status (default 503), as a broken gateway would. */
  failNextWithStatus(count: number, status?: number): void
  /** The next `count` code2Session calls get their connection destroyed without an answer. */
  dropNext(count: number): void
  /** The fault controls of one API: `faultsOf('stableToken').failNext(1)`. */
  faultsOf(api: WechatApiName): WechatApiFaults
  /** Forgets every queued fault, of every API. */
  clearFaults(): void
  setLatency(ms: number): void
  setRateLimit(max: number, windowMs?: number): void
  stats(): WechatEmulatorStats
  resetStats(): void
  /** The user's current session_key (from the last login, rotation or reset), for tests. */
  sessionKeyOf(openid: string): string | undefined
  /**
   * WeChat's data pre-fetch: the user gets a new login state and session_key,
   * and the old key goes stale (checksession answers 87009 for it). Returns
   * the new key. RangeError for a user who never logged in.
   */
  rotateSessionKey(openid: string): string
  /** The unionid code2Session answers for this user, `undefined` when the app is not bound to an Open Platform account. */
  unionIdFor(openid: string): string | undefined
  /**
   * Every access_token that works now expires now: APIs answer 42001 for it,
   * and the next normal-mode stable_token call issues a new one.
   */
  expireAccessToken(): void
  accessTokenStats(): WechatAccessTokenStats
  /**
   * What the getPhoneNumber button does on WeChat's side: a code (valid
   * `phoneCodeTtlMs`, single use) that getuserphonenumber trades for
   * `phoneNumber` ('+86 13800138000', '+852 61234567' or '13800138000').
   * Takes one from the quota; rejects with `PhoneQuotaExhaustedError`
   * (errno 1400001, what the button fails with) once it is used up.
   */
  issuePhoneCode(openid: string, phoneNumber: string): Promise<string>
  /** Sets the button calls left (a whole number, or `Infinity`). */
  setPhoneQuota(remaining: number): void
  phoneNumberStats(): WechatPhoneNumberStats
  /** `{ encryptedData, iv }` as WeChat produces them for this user's current session_key. */
  encryptForUser(openid: string, data: Record<string, unknown>): EncryptedUserData
  /** Stops listening and cuts every open connection. */
  close(): Promise<void>
}
