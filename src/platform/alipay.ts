/// <reference types="@mini-types/my" />
import { LoginError } from '../contract/index.ts'
import { callWithTimeout } from './call-with-timeout.ts'
import { failureText, saysTimeout } from './failure-text.ts'
import { guardedStorage } from './guarded-storage.ts'
import { checkRequest, readHttpAnswer, unreadableAnswerError } from './http-answer.ts'
import { callTimeout, resolveTimeouts, type PlatformOptions } from './timeouts.ts'
import type { Platform, PlatformResponse } from './types.ts'

/** The part of Alipay's `my` the adapter uses (types from `@mini-types/my`). */
export type AlipayApi = Pick<typeof my, 'getAuthCode' | 'request' | 'getStorageSync' | 'setStorageSync' | 'removeStorageSync'>

export interface AlipayPlatformOptions extends PlatformOptions {
  /**
   * `my.getAuthCode`'s `scopes`. The default, `auth_base`, is silent and
   * yields the user id; `auth_user` asks the user to share their profile.
   */
  scopes?: string | string[]
}

/** `my.request`'s documented error codes that matter here. */
const ALIPAY_TIMEOUT = 13
const ALIPAY_DECODE_FAILED = 14

function errorCodeOf(value: unknown): unknown {
  return typeof value === 'object' && value !== null ? (value as { error?: unknown }).error : undefined
}

/** Alipay's sync storage answers `{ success: false, error, errorMessage }` instead of throwing; such an answer is thrown here. */
function throwIfRefused(result: unknown): void {
  if (typeof result === 'object' && result !== null && (result as { success?: unknown }).success === false) {
    throw result
  }
}

/**
 * `Platform` over Alipay's `my`. Where Alipay differs from WeChat:
 *
 * - `login` → `my.getAuthCode`, which answers `authCode`; it is handed on as
 *   `{ code }`. The developer server exchanges it with
 *   `alipay.system.oauth.token`, not with WeChat's code2Session.
 * - `checkSession` resolves, by design: Alipay has no client-side session to
 *   check (no `checkSession`, no `session_key`). Whether the user is still
 *   logged in is for the developer server's session check to say.
 * - `request` → `my.request`, which sends `headers` and answers `status` and
 *   `headers`. Alipay reports an HTTP error status (and a body it could not
 *   decode) in `fail` with the answer attached; such an answer still
 *   resolves, like every HTTP status does. Error 13 rejects `timeout`; an
 *   undecodable answer without a status rejects `invalid_response`; anything
 *   else rejects `network`.
 * - `storage` → `my.*StorageSync({ key })`: `getStorageSync` answers
 *   `{ data }`, `null` when there is none (read as `undefined`); a
 *   `setStorageSync` answering `{ success: false }` (storage full) becomes
 *   `storage_error`.
 */
export function alipayPlatform(my: AlipayApi, options?: AlipayPlatformOptions): Platform {
  const timeouts = resolveTimeouts(options)
  const scopes = options?.scopes ?? 'auth_base'

  const loginFailure = (cause: unknown): LoginError => {
    const text = failureText(cause)
    return new LoginError(saysTimeout(text) ? 'timeout' : 'wx_login_failed', `my.getAuthCode failed: ${text}`, { cause })
  }

  return {
    async login(opts) {
      const timeoutMs = callTimeout('my.getAuthCode', opts?.timeout, timeouts.login)
      return callWithTimeout<{ code: string }>(
        (settle) =>
          my.getAuthCode({
            scopes,
            success: (result) => {
              const code: unknown = result?.authCode
              if (typeof code === 'string' && code !== '') settle.resolve({ code })
              else settle.reject(new LoginError('wx_login_failed', 'my.getAuthCode succeeded without an authCode'))
            },
            fail: (error) => settle.reject(loginFailure(error)),
          }),
        { what: 'my.getAuthCode', timeoutMs, onThrow: loginFailure },
      )
    },

    checkSession() {
      return Promise.resolve()
    },

    async request(opts) {
      const { url, method, data, header } = checkRequest('my.request', opts)
      const timeoutMs = callTimeout('my.request', opts.timeout, timeouts.request)
      const requestFailure = (cause: unknown): LoginError => {
        const text = failureText(cause, data, header)
        const code = errorCodeOf(cause)
        if (code === ALIPAY_TIMEOUT || saysTimeout(text)) return new LoginError('timeout', `my.request failed: ${text}`, { cause })
        if (code === ALIPAY_DECODE_FAILED)
          return new LoginError('invalid_response', `my.request could not decode the answer: ${text}`, { cause })
        return new LoginError('network', `my.request failed: ${text}`, { cause })
      }
      return callWithTimeout<PlatformResponse>(
        (settle) =>
          my.request({
            url,
            method,
            // Alipay serialises an object body as JSON (the default content-type);
            // its typings are narrower than its documentation ("Object / ArrayBuffer").
            data: data as string | Record<string, string> | ArrayBuffer | undefined,
            headers: header,
            timeout: timeoutMs,
            success: (result) => {
              const answer = readHttpAnswer(result)
              if (answer) settle.resolve(answer)
              else settle.reject(unreadableAnswerError('my.request', result, failureText(result)))
            },
            fail: (error) => {
              const answer = readHttpAnswer(error)
              if (answer) settle.resolve(answer)
              else settle.reject(requestFailure(error))
            },
          }),
        { what: 'my.request', timeoutMs, onThrow: requestFailure },
      )
    },

    storage: guardedStorage({
      api: 'my',
      get: (key) => my.getStorageSync({ key })?.data,
      set: (key, value) => throwIfRefused(my.setStorageSync({ key, data: value })),
      remove: (key) => throwIfRefused(my.removeStorageSync({ key })),
    }),
  }
}
