import { LoginError } from '../contract/index.ts'
import { callWithTimeout } from './call-with-timeout.ts'
import { failureText, saysTimeout } from './failure-text.ts'
import { guardedStorage } from './guarded-storage.ts'
import { syncStorage } from './wx-style-platform.ts'
import { checkRequest, readHttpAnswer, unreadableAnswerError, type HttpMethod } from './http-answer.ts'
import { callTimeout, resolveTimeouts, type PlatformOptions } from './timeouts.ts'
import type { Platform, PlatformResponse } from './types.ts'

/**
 * The part of Taro's `Taro` object the adapter uses, in its promise form.
 * `@tarojs/taro` is a whole framework (webpack, React/Vue peers), too heavy a
 * dependency for six signatures, so these are its documented shapes:
 * `Taro.login()` resolves `{ code, errMsg }`; `Taro.request()` resolves
 * `{ data, statusCode, header, errMsg }` for every HTTP status and returns a
 * task that can be aborted; failures reject with `{ errMsg }`.
 */
export interface TaroRequestOptions {
  url: string
  method?: HttpMethod
  data?: string | object | ArrayBuffer
  header?: Record<string, string>
  timeout?: number
}

export interface TaroRequestSuccessResult {
  data: unknown
  statusCode: number
  header: Record<string, unknown>
  errMsg: string
}

export interface TaroApi {
  login(option?: { timeout?: number }): Promise<{ code: string; errMsg: string }>
  checkSession(option?: object): Promise<{ errMsg: string }>
  /** Resolves like a promise; the returned task usually also has `abort()`. */
  request(option: TaroRequestOptions): Promise<TaroRequestSuccessResult>
  getStorageSync(key: string): unknown
  setStorageSync(key: string, data: unknown): void
  removeStorageSync(key: string): void
}

function errMsgOf(result: unknown): string {
  const errMsg = typeof result === 'object' && result !== null ? (result as { errMsg?: unknown }).errMsg : undefined
  return typeof errMsg === 'string' ? errMsg : 'no errMsg'
}

/**
 * `Platform` over Taro. Taro forwards to the runtime it was built for and
 * gives it WeChat's conventions (`code`, `statusCode`, `header`, `errMsg`)
 * whatever the target; what the code is worth, and which server-side
 * exchange it needs, depends on that target. Taro's promises can stay
 * pending as long as the runtime's callbacks do, so every call is bounded by
 * the adapter's timeout.
 */
export function taroPlatform(taro: TaroApi, options?: PlatformOptions): Platform {
  const timeouts = resolveTimeouts(options)

  const loginFailure = (cause: unknown): LoginError => {
    const text = failureText(cause)
    return new LoginError(saysTimeout(text) ? 'timeout' : 'wx_login_failed', `Taro.login failed: ${text}`, { cause })
  }
  const sessionExpired = (cause: unknown): LoginError =>
    new LoginError('session_expired', `Taro.checkSession: the platform session expired (${failureText(cause)})`, { cause })

  return {
    async login(opts) {
      const timeoutMs = callTimeout('Taro.login', opts?.timeout, timeouts.login)
      return callWithTimeout<{ code: string }>(
        (settle) => {
          const pending = taro.login({ timeout: timeoutMs })
          pending.then(
            (result) => {
              const code: unknown = result?.code
              if (typeof code === 'string' && code !== '') settle.resolve({ code })
              else settle.reject(new LoginError('wx_login_failed', `Taro.login succeeded without a code (${errMsgOf(result)})`))
            },
            (error: unknown) => settle.reject(loginFailure(error)),
          )
          return pending
        },
        { what: 'Taro.login', timeoutMs, onThrow: loginFailure },
      )
    },

    checkSession() {
      return callWithTimeout<void>(
        (settle) => {
          const pending = taro.checkSession()
          pending.then(
            () => settle.resolve(),
            (error: unknown) => settle.reject(sessionExpired(error)),
          )
          return pending
        },
        { what: 'Taro.checkSession', timeoutMs: timeouts.checkSession, onThrow: sessionExpired },
      )
    },

    async request(opts) {
      const checked = checkRequest('Taro.request', opts)
      const timeoutMs = callTimeout('Taro.request', opts.timeout, timeouts.request)
      const requestFailure = (cause: unknown): LoginError => {
        const text = failureText(cause, checked.data, checked.header)
        return new LoginError(saysTimeout(text) ? 'timeout' : 'network', `Taro.request failed: ${text}`, { cause })
      }
      return callWithTimeout<PlatformResponse>(
        (settle) => {
          const task = taro.request({ ...checked, timeout: timeoutMs })
          task.then(
            (result) => {
              const answer = readHttpAnswer(result)
              if (answer) settle.resolve(answer)
              else settle.reject(unreadableAnswerError('Taro.request', result, errMsgOf(result)))
            },
            (error: unknown) => settle.reject(requestFailure(error)),
          )
          return task
        },
        { what: 'Taro.request', timeoutMs, onThrow: requestFailure },
      )
    },

    storage: guardedStorage(syncStorage('Taro', taro)),
  }
}
