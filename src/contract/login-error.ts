/**
 * Every failure the login flow can report, as one typed error.
 *
 * `transient` is derived from the code: a transient failure is worth retrying
 * (with backoff); a permanent one is not.
 */
export const LOGIN_ERROR_CODES = [
  'timeout',
  'network',
  'server_error',
  'rate_limited',
  'wx_login_failed',
  'invalid_code',
  'code_used',
  'high_risk_user',
  'invalid_response',
  'invalid_request',
  'storage_error',
  'session_expired',
  'unauthorized',
  'aborted',
  'session_key_stale',
  'invalid_phone_code',
  'phone_quota_exhausted',
  'phone_denied',
  'user_mismatch',
] as const

export type LoginErrorCode = (typeof LOGIN_ERROR_CODES)[number]

const TRANSIENT_CODES: ReadonlySet<LoginErrorCode> = new Set<LoginErrorCode>([
  'timeout',
  'network',
  'server_error',
  'rate_limited',
  'wx_login_failed',
])

export interface LoginErrorOptions {
  cause?: unknown
  /** How long the other side asked us to wait before trying again (HTTP `Retry-After`). */
  retryAfterMs?: number
}

const DEFAULT_MESSAGES: Record<LoginErrorCode, string> = {
  timeout: 'the step did not answer in time',
  network: 'the network request failed',
  server_error: 'the developer server failed',
  rate_limited: 'too many login attempts; try again later',
  wx_login_failed: 'wx.login did not return a code',
  invalid_code: 'the login code was rejected as invalid',
  code_used: 'the login code was already used',
  high_risk_user: 'WeChat refused to log in this user (high risk)',
  invalid_response: 'the developer server answered something that is not a session',
  invalid_request: 'the developer server rejected the request as malformed',
  storage_error: 'local storage failed',
  session_expired: 'the platform session expired; a fresh login is needed',
  unauthorized: 'the request was refused even after a fresh login',
  aborted: 'the login was cancelled',
  session_key_stale: 'the session_key is stale; call refreshSessionKey()',
  invalid_phone_code: 'the phone-number code was rejected',
  phone_quota_exhausted: 'the phone-number quota is used up (errno 1400001)',
  phone_denied: 'the user did not share the phone number',
  user_mismatch: 'the code is of another WeChat user than the session',
}

export class LoginError extends Error {
  override readonly name = 'LoginError'
  readonly code: LoginErrorCode
  readonly transient: boolean
  readonly retryAfterMs: number | undefined

  constructor(code: LoginErrorCode, message?: string, options: LoginErrorOptions = {}) {
    super(message ?? DEFAULT_MESSAGES[code], options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.transient = TRANSIENT_CODES.has(code)
    this.retryAfterMs = options.retryAfterMs
  }

  /** A plain, secret-free form for logs, snapshots and the inspector. */
  toJSON(): { name: 'LoginError'; code: LoginErrorCode; message: string; transient: boolean; retryAfterMs?: number } {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      transient: this.transient,
      ...(this.retryAfterMs === undefined ? {} : { retryAfterMs: this.retryAfterMs }),
    }
  }
}

export function isLoginError(value: unknown): value is LoginError {
  return value instanceof LoginError
}

export function isLoginErrorCode(value: unknown): value is LoginErrorCode {
  return typeof value === 'string' && (LOGIN_ERROR_CODES as readonly string[]).includes(value)
}

/**
 * Normalises anything a side effect rejected with. A `LoginError` passes
 * through; anything else becomes a transient `server_error` (the contract for
 * custom `SessionServer`s), with the original kept as `cause`.
 */
export function toLoginError(value: unknown, fallback: LoginErrorCode = 'server_error'): LoginError {
  if (isLoginError(value)) return value
  return new LoginError(fallback, undefined, { cause: value })
}
