/**
 * How a call of a WeChat server API (other than code2Session, which has its
 * own error) failed. The message names the API and the kind of failure only:
 * never the URL (its query holds the access_token), a body or an answer.
 */

/** The WeChat server APIs the server calls besides code2Session. */
export type WechatServerApiName = 'stableToken' | 'getPhoneNumber' | 'checkSessionKey' | 'resetSessionKey'

/** How any call to WeChat's server can fail, code2Session's included. */
export type WechatCallFailure =
  /** WeChat answered an errcode (see `errcode`). */
  | 'wechat_error'
  /** The deadline passed. */
  | 'timeout'
  /** The caller's signal aborted the call. */
  | 'aborted'
  /** No HTTP answer (connection refused, reset, DNS). */
  | 'network'
  /** A non-2xx HTTP status (a redirect included: none is followed). */
  | 'bad_status'
  /** A 2xx answer that is not WeChat's JSON, is larger than 64 KB, or lacks (or misshapes) the fields the API promises. */
  | 'invalid_response'

export type WechatApiFailure =
  | WechatCallFailure
  /** Another server instance was refreshing the access_token and no token came in time. */
  | 'token_unavailable'

export class WechatApiError extends Error {
  override readonly name = 'WechatApiError'
  readonly api: WechatServerApiName
  readonly failure: WechatApiFailure
  /** WeChat's errcode when `failure` is `wechat_error`. */
  readonly errcode: number | undefined
  /** The HTTP status when `failure` is `bad_status`. */
  readonly httpStatus: number | undefined

  constructor(
    api: WechatServerApiName,
    failure: WechatApiFailure,
    message: string,
    details: { errcode?: number; httpStatus?: number; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause })
    this.api = api
    this.failure = failure
    this.errcode = details.errcode
    this.httpStatus = details.httpStatus
  }
}

export function isWechatApiError(value: unknown): value is WechatApiError {
  return value instanceof WechatApiError
}

/**
 * The errcodes with which an API refuses the access_token itself: 40001
 * (invalid, or no longer the latest), 42001 (expired), 40014 (not a token).
 * Only these make the token manager replace the token and retry.
 */
export const ACCESS_TOKEN_REJECTED_ERRCODES: ReadonlySet<number> = new Set([40001, 42001, 40014])

export function isAccessTokenRejection(error: unknown): error is WechatApiError {
  return isWechatApiError(error) && error.errcode !== undefined && ACCESS_TOKEN_REJECTED_ERRCODES.has(error.errcode)
}
