/**
 * The WeChat server APIs around a login that take the access_token:
 * getuserphonenumber, checksession and resetusersessionkey. Each goes through
 * the token manager (one retry with a fresh token when WeChat refuses it) and
 * `callWechatApi` (deadline, no redirect, 64 KB cap). The access_token
 * travels in the query string, as WeChat requires, and that URL is in no
 * error or log line.
 */
import { DEFAULT_WECHAT_API_BASE, wechatEndpoint } from './api-base.ts'
import type { AccessTokenManager } from './access-token/index.ts'
import { isSessionKeyShape } from './identity-shape.ts'
import { LOGIN_STATE_SIG_METHOD, loginStateSignature } from './login-state-signature.ts'
import { phoneNumberOfAnswer, type PhoneNumber } from './phone-number.ts'
import { callWechatApi } from './wechat-api-call.ts'
import { isWechatApiError, WechatApiError, type WechatServerApiName } from './wechat-api-error.ts'
import { timerDelay } from '../timer-delay.ts'

export const DEFAULT_WECHAT_API_TIMEOUT_MS = 5000
/** checksession and resetusersessionkey answer this for a signature that is not of the user's current session_key. */
export const STALE_LOGIN_STATE_ERRCODE = 87009

export interface WechatServerApiOptions {
  tokens: AccessTokenManager
  /** Default `https://api.weixin.qq.com`. */
  apiBase?: string
  /** One call at most this long (each try, when the token is replaced). Default 5000 ms. */
  timeoutMs?: number
  fetch?: typeof fetch
}

export interface WechatServerApi {
  /** Trades the getPhoneNumber button's code for the number (getuserphonenumber), for the user `openid`. */
  getPhoneNumber(code: string, openid: string): Promise<PhoneNumber>
  /** `true` while `sessionKey` is the user's current session_key at WeChat, `false` once it is stale (87009). */
  checkSessionKey(openid: string, sessionKey: string): Promise<boolean>
  /** Has WeChat replace the user's session_key (signed with the current one); answers the new key. 87009 rejects. */
  resetSessionKey(openid: string, sessionKey: string): Promise<string>
}

export function createWechatServerApi(options: WechatServerApiOptions): WechatServerApi {
  const apiBase = options.apiBase ?? DEFAULT_WECHAT_API_BASE
  const endpoints = {
    getPhoneNumber: wechatEndpoint(apiBase, '/wxa/business/getuserphonenumber', 'WeChat server API'),
    checkSessionKey: wechatEndpoint(apiBase, '/wxa/checksession', 'WeChat server API'),
    resetSessionKey: wechatEndpoint(apiBase, '/wxa/resetusersessionkey', 'WeChat server API'),
  }
  const timeoutMs = timerDelay(options.timeoutMs ?? DEFAULT_WECHAT_API_TIMEOUT_MS, 'WeChat server API: timeoutMs')
  const doFetch = options.fetch ?? globalThis.fetch
  const { tokens } = options

  function urlOf(api: Exclude<WechatServerApiName, 'stableToken'>, accessToken: string, query: Record<string, string> = {}): URL {
    const url = new URL(endpoints[api])
    url.search = new URLSearchParams({ access_token: accessToken, ...query }).toString()
    return url
  }

  const signed = (openid: string, sessionKey: string): Record<string, string> => ({
    openid,
    signature: loginStateSignature(sessionKey),
    sig_method: LOGIN_STATE_SIG_METHOD,
  })

  return {
    async getPhoneNumber(code, openid) {
      const body = await tokens.withToken((accessToken) =>
        callWechatApi({
          api: 'getPhoneNumber',
          url: urlOf('getPhoneNumber', accessToken),
          json: { code, openid },
          timeoutMs,
          fetch: doFetch,
        }),
      )
      return phoneNumberOfAnswer(body)
    },

    async checkSessionKey(openid, sessionKey) {
      try {
        await tokens.withToken((accessToken) =>
          callWechatApi({
            api: 'checkSessionKey',
            url: urlOf('checkSessionKey', accessToken, signed(openid, sessionKey)),
            timeoutMs,
            fetch: doFetch,
          }),
        )
        return true
      } catch (error) {
        if (isWechatApiError(error) && error.errcode === STALE_LOGIN_STATE_ERRCODE) return false
        throw error
      }
    },

    async resetSessionKey(openid, sessionKey) {
      const body = await tokens.withToken((accessToken) =>
        callWechatApi({
          api: 'resetSessionKey',
          url: urlOf('resetSessionKey', accessToken, signed(openid, sessionKey)),
          timeoutMs,
          fetch: doFetch,
        }),
      )
      const fresh = body['session_key']
      const answeredFor = body['openid']
      if (!isSessionKeyShape(fresh) || (answeredFor !== undefined && answeredFor !== openid)) {
        throw new WechatApiError(
          'resetSessionKey',
          'invalid_response',
          'resetusersessionkey answered no session_key of the documented shape',
        )
      }
      return fresh
    },
  }
}
