import type { EncryptedUserData } from './user-data-crypto.ts'

/** Faults armed from the start; the same as calling the controls right after start. */
export interface WechatEmulatorFaults {
  /** Answer this many code2Session calls with `{ errcode: failErrcode }`. */
  failNext?: number
  /** Default -1 (system busy). */
  failErrcode?: number
  /** Destroy the connection of this many code2Session calls without answering. */
  dropNext?: number
}

export interface WechatEmulatorRateLimit {
  /** code2Session calls allowed per user per window (WeChat documents 100 per minute). */
  max: number
  /** Default 60 000 (one minute). */
  windowMs?: number
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
  /** Receives one line per request (method, path, outcome). Query strings, secrets and keys never appear. */
  log?: (line: string) => void
}

export interface WechatEmulatorStats {
  /** Requests to `/sns/jscode2session`, whatever their outcome (dropped ones included). */
  code2Session: number
  /** code2Session calls that returned a session. */
  code2SessionOk: number
  /** code2Session answers per errcode, e.g. `{ '40163': 1 }`. */
  code2SessionErrors: Record<string, number>
  /** Connections destroyed by `dropNext`. */
  dropped: number
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
  /** Forgets every queued fault. */
  clearFaults(): void
  setLatency(ms: number): void
  setRateLimit(max: number, windowMs?: number): void
  stats(): WechatEmulatorStats
  resetStats(): void
  /** The user's current session_key (the one from the last login), for tests. */
  sessionKeyOf(openid: string): string | undefined
  /** `{ encryptedData, iv }` as WeChat produces them for this user's current session_key. */
  encryptForUser(openid: string, data: Record<string, unknown>): EncryptedUserData
  /** Stops listening and cuts every open connection. */
  close(): Promise<void>
}
