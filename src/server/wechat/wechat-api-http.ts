/**
 * How a failed WeChat server API call (access_token, phone number,
 * session_key check or reset) is answered to the mini-program. Only what the
 * user or the client can act on gets a code of its own; everything else is
 * WeChat being unavailable (503) or the server being misconfigured (500,
 * logged with the errcode so an operator can see it).
 */
import { HttpError } from '../http-errors.ts'
import type { ServerErrorCode } from '../http-errors.ts'
import { STALE_LOGIN_STATE_ERRCODE } from './wechat-server-api.ts'
import { ACCESS_TOKEN_REJECTED_ERRCODES, isWechatApiError, type WechatApiError } from './wechat-api-error.ts'

export interface WechatApiAnswer {
  status: number
  error: ServerErrorCode
  message: string
  retryAfterSeconds?: number
}

/** getuserphonenumber: 40029 invalid (or expired, or used) code, 40003 a code of another user, 41008 no code. */
const PHONE_CODE_ERRCODES: ReadonlySet<number> = new Set([40029, 40003, 41008, 40163])

const UNAVAILABLE: WechatApiAnswer = { status: 503, error: 'upstream_unavailable', message: 'WeChat is unavailable; try again' }

export function httpForWechatApiError(error: WechatApiError): WechatApiAnswer {
  if (error.failure !== 'wechat_error' || error.errcode === undefined) return UNAVAILABLE
  const { errcode, api } = error
  if (errcode === 45011) {
    return { status: 429, error: 'rate_limited', message: 'WeChat asks to slow down; try again in a minute', retryAfterSeconds: 60 }
  }
  // -1: busy; an access_token refused even after its replacement; 45009: a daily quota of WeChat's.
  if (errcode === -1 || errcode === 45009 || ACCESS_TOKEN_REJECTED_ERRCODES.has(errcode)) return UNAVAILABLE
  if (api === 'getPhoneNumber' && PHONE_CODE_ERRCODES.has(errcode)) {
    return {
      status: 400,
      error: 'invalid_phone_code',
      message: "WeChat refused the phone-number code (invalid, expired, used, or not this user's); ask the user to tap the button again",
    }
  }
  if ((api === 'checkSessionKey' || api === 'resetSessionKey') && errcode === STALE_LOGIN_STATE_ERRCODE) {
    return {
      status: 409,
      error: 'session_key_stale',
      message: "the server's session_key for this user is stale; refresh it (wx.login, then POST /auth/session-key)",
    }
  }
  return {
    status: 500,
    error: 'server_misconfigured',
    message: 'the server could not use a WeChat API (check its appid, secret and IP allow-list)',
  }
}

/**
 * A failed WeChat call as the contract's `HttpError` (409
 * `session_key_stale`, 503 `upstream_unavailable`...), so that an app's own
 * route answers the right status whatever its error handler; anything else
 * is passed through.
 */
export function asHttpError(error: unknown): unknown {
  if (!isWechatApiError(error)) return error
  const answer = httpForWechatApiError(error)
  return new HttpError(answer.status, answer.error, answer.message, {
    cause: error,
    ...(answer.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: answer.retryAfterSeconds }),
  })
}
