import type { ServerLoggerOption } from './logging.ts'
import type { TrustProxyOption } from './trust-proxy.ts'
import type { LoginRateLimitOptions } from './rate-limit/index.ts'
import type { SessionStore } from './store/index.ts'
import type { LoginHook, PhoneNumberHook } from './users/index.ts'

export interface WechatAppOptions {
  appId: string
  /** The AppSecret. Used only in the code2Session query string and stable_token's body; never logged or answered. */
  secret: string
  /** Default `https://api.weixin.qq.com`; point it at an emulator in development. */
  apiBase?: string
}

/** How the shared access_token is kept fresh (docs/server.md, "The access_token"). */
export interface AccessTokenOptions {
  /** Refresh in the background once the token has this little left. Default 300 000 ms: WeChat's hand-over, when a normal-mode call gets a new token. */
  refreshAheadMs?: number
  /** One stable_token call at most this long. Default 5000 ms. */
  timeoutMs?: number
  /** How long one instance holds the refresh lock at most. Default three times `timeoutMs`. */
  lockTtlMs?: number
  /** Force refreshes a UTC day, every instance together. Default 10 (WeChat allows 20). */
  maxForceRefreshesPerDay?: number
  /** Least time between force refreshes, every instance together. Default 30 000 ms (WeChat ignores sooner ones). */
  forceRefreshIntervalMs?: number
}

/** What `loginPlugin` takes. */
export interface LoginPluginOptions {
  wechat: WechatAppOptions
  store: SessionStore
  /** Fixed lifetime of a session from login. Default 7 days. */
  sessionTtlMs?: number
  /**
   * Limits on `POST /auth/login`: per client address (IPv6 per /64) and per
   * openid. Counted in the store when it can share counters (Redis), else in
   * memory. `false` turns it off. Default 60 per address and 20 per openid a minute.
   */
  rateLimit?: LoginRateLimitOptions | false
  /** `true`: a new login deletes the user's other sessions. Default `false` (other devices stay logged in). */
  singleSessionPerUser?: boolean
  /** Deadline for one code2Session exchange, retries included. Default 5000 ms. */
  code2SessionTimeoutMs?: number
  /** Extra code2Session attempts after errcode -1 or a network failure. Default 2. */
  code2SessionRetries?: number
  /** Where the routes live: `'/api'` serves `/api/auth/login` and so on. Default: at the root. */
  prefix?: string
  /** Close the store when the app closes. Default `true`; `false` when the app shares a store it closes itself. */
  closeStore?: boolean
  /**
   * Your app's user for each login: `({ openid, unionid, isNewUser }) =>
   * { userId, claims? }`, kept with the session (`request.loginSession.userId`,
   * `.claims`). Throw an `HttpError` to refuse the login. Without it, the
   * store's users table gives each openid an id of its own (a UUID) at its
   * first login.
   */
  onLogin?: LoginHook
  /**
   * Where a number bound with `POST /auth/phone` goes: `({ openid, unionid,
   * userId, phone }) => void`. Without it the store's users table keeps it,
   * sealed with the store's `encryption`.
   */
  onPhoneNumber?: PhoneNumberHook
  accessToken?: AccessTokenOptions
  /** Deadline of one getuserphonenumber, checksession or resetusersessionkey call. Default 5000 ms. */
  wechatApiTimeoutMs?: number
}

/** What `createServer` takes: the plugin's options plus the Fastify instance's own. */
export interface CreateServerOptions extends LoginPluginOptions {
  /** Fastify's own `logger` option (`true`, or pino options such as `{ level, stream }`). Secrets are redacted either way. Default off. */
  logger?: ServerLoggerOption
  /**
   * Behind a reverse proxy: which peers may say who the client is in
   * `X-Forwarded-For`. The proxy's address (`'10.0.0.2'`), several or CIDR
   * ranges (`'10.0.0.0/8, 127.0.0.1'` or an array), a hop count (only when
   * nothing can reach the server but through the proxy) or a function
   * `(address, hop) => boolean`. Never `true`: it lets any client choose its
   * own address, and with it a fresh rate-limit counter per attempt. Default off.
   */
  trustProxy?: TrustProxyOption
  /**
   * How long a client may take to send its whole request, headers and body, in ms; then it is
   * answered `408 invalid_request` and its connection closed. Default 30 s. Without a limit (Node's
   * and Fastify's default), a client that sends part of a body and stops holds its socket, and
   * `close()` with it, forever.
   */
  requestTimeoutMs?: number
}
