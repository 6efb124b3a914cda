/**
 * How each `auth.code2Session` errcode is answered to the mini-program.
 * Codes not in the table (40013 bad appid, 40125 bad secret, 41002 missing
 * appid, ...) mean the server itself is misconfigured.
 */
import type { ServerErrorCode } from '../http-errors.ts'

export interface WechatErrcodeAnswer {
  status: number
  error: ServerErrorCode
  /** Sent as `Retry-After` (seconds). */
  retryAfterSeconds?: number
}

export const WECHAT_ERRCODE_HTTP: Readonly<Record<number, WechatErrcodeAnswer>> = Object.freeze({
  /** code 无效: wrong, expired (5 minutes) or from another appid. */
  40029: { status: 401, error: 'invalid_code' },
  /** code been used: every code works once. */
  40163: { status: 401, error: 'code_used' },
  /** API minute-quota reached; WeChat says to retry next minute. */
  45011: { status: 429, error: 'rate_limited', retryAfterSeconds: 60 },
  /** code blocked: WeChat refuses high-risk users. */
  40226: { status: 403, error: 'high_risk_user' },
  /** system error: WeChat is busy (retried first). */
  [-1]: { status: 503, error: 'upstream_unavailable' },
})

/** The answer for any errcode not in `WECHAT_ERRCODE_HTTP`. */
export const UNMAPPED_WECHAT_ERRCODE_HTTP: Readonly<WechatErrcodeAnswer> = Object.freeze({
  status: 500,
  error: 'server_misconfigured',
})

/** The answer when WeChat could not be reached or answered nonsense (timeout, network, 5xx, bad JSON). */
export const WECHAT_UNAVAILABLE_HTTP: Readonly<WechatErrcodeAnswer> = Object.freeze({
  status: 503,
  error: 'upstream_unavailable',
})

export function httpForWechatErrcode(errcode: number): WechatErrcodeAnswer {
  return WECHAT_ERRCODE_HTTP[errcode] ?? UNMAPPED_WECHAT_ERRCODE_HTTP
}
