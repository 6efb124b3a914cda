import { LoginError } from '../contract/index.ts'
import { callWithTimeout } from './call-with-timeout.ts'
import { failureText, saysTimeout } from './failure-text.ts'
import { guardedStorage, type RawStorage } from './guarded-storage.ts'
import { checkRequest, readHttpAnswer, unreadableAnswerError, type CheckedRequest, type HttpMethod } from './http-answer.ts'
import { callTimeout, resolveTimeouts, type PlatformOptions } from './timeouts.ts'
import type { Platform, PlatformResponse } from './types.ts'

interface Callbacks<R> {
  success(result: R): void
  fail(error: unknown): void
}

/**
 * The calls of a runtime that follows WeChat's conventions (`wx`, `tt`, `qq`,
 * `swan`, `uni`): `login`/`checkSession`/`request` take `success`/`fail`
 * callbacks, a login answers `{ code }`, a request answers `{ statusCode,
 * data, header }` in `success` whatever the status, and failures carry an
 * `errMsg`. Each adapter maps its own typed API onto this.
 */
export interface WxStyleApi {
  /** Names the API family in messages: `wx`, `tt`, `qq`, `swan`, `uni`. */
  api: string
  /** Names the platform's own session in messages: `WeChat`, `ByteDance`… */
  sessionOwner: string
  login(options: Callbacks<unknown> & { timeout: number }): unknown
  /** Returns the platform's request task, if any, so a timeout can abort it. */
  request(options: CheckedRequest & Callbacks<unknown> & { timeout: number }): unknown
  /** The runtime's own object, for the calls every such runtime makes alike: `checkSession` and the `*StorageSync` trio. */
  host: WxStyleHost
  /** Where the one-time code is in a login result; `result.code` unless told otherwise. */
  readCode?(result: unknown): unknown
}

/** The synchronous storage calls every WeChat-style runtime has (`wx`, `tt`, `qq`, `swan`, `uni`). */
export interface SyncStorageApi {
  getStorageSync(key: string): unknown
  setStorageSync(key: string, data: unknown): void
  removeStorageSync(key: string): void
}

/** The request options WeChat-style runtimes document alike; `Body` is what each accepts as `data`. */
export interface WxStyleRequestOptions<Body> {
  url: string
  method?: HttpMethod
  data?: Body
  header?: Record<string, string>
  dataType?: string
  responseType?: 'text' | 'arraybuffer'
}

/** What `host` offers: `checkSession` with callbacks, and synchronous storage. */
export interface WxStyleHost extends SyncStorageApi {
  checkSession(options: Callbacks<unknown>): unknown
}

/** `RawStorage` over a runtime's `*StorageSync` calls, called as methods of the runtime's object (Taro's too). */
export function syncStorage(api: string, host: SyncStorageApi): RawStorage {
  return {
    api,
    get: (key) => host.getStorageSync(key),
    set: (key, value) => host.setStorageSync(key, value),
    remove: (key) => host.removeStorageSync(key),
  }
}

function codeField(result: unknown): unknown {
  return typeof result === 'object' && result !== null ? (result as { code?: unknown }).code : undefined
}

function errMsgOf(result: unknown): string {
  const errMsg = typeof result === 'object' && result !== null ? (result as { errMsg?: unknown }).errMsg : undefined
  return typeof errMsg === 'string' ? errMsg : 'no errMsg'
}

/** Builds a `Platform` over a WeChat-style API. */
export function wxStylePlatform(source: WxStyleApi, options?: PlatformOptions): Platform {
  const timeouts = resolveTimeouts(options)
  const { api, sessionOwner } = source
  const readCode = source.readCode ?? codeField

  const loginFailure = (cause: unknown): LoginError => {
    const text = failureText(cause)
    return new LoginError(saysTimeout(text) ? 'timeout' : 'wx_login_failed', `${api}.login failed: ${text}`, { cause })
  }
  const sessionExpired = (cause: unknown): LoginError =>
    new LoginError('session_expired', `${api}.checkSession: the ${sessionOwner} session expired (${failureText(cause)})`, { cause })

  return {
    async login(opts) {
      const timeoutMs = callTimeout(`${api}.login`, opts?.timeout, timeouts.login)
      return callWithTimeout<{ code: string }>(
        (settle) =>
          source.login({
            timeout: timeoutMs,
            success: (result) => {
              const code = readCode(result)
              if (typeof code === 'string' && code !== '') settle.resolve({ code })
              else settle.reject(new LoginError('wx_login_failed', `${api}.login succeeded without a code (${errMsgOf(result)})`))
            },
            fail: (error) => settle.reject(loginFailure(error)),
          }),
        { what: `${api}.login`, timeoutMs, onThrow: loginFailure },
      )
    },

    checkSession() {
      return callWithTimeout<void>(
        (settle) =>
          source.host.checkSession({
            success: () => settle.resolve(),
            fail: (error) => settle.reject(sessionExpired(error)),
          }),
        { what: `${api}.checkSession`, timeoutMs: timeouts.checkSession, onThrow: sessionExpired },
      )
    },

    async request(opts) {
      const checked = checkRequest(`${api}.request`, opts)
      const timeoutMs = callTimeout(`${api}.request`, opts.timeout, timeouts.request)
      const requestFailure = (cause: unknown): LoginError => {
        const text = failureText(cause, checked.data, checked.header)
        return new LoginError(saysTimeout(text) ? 'timeout' : 'network', `${api}.request failed: ${text}`, { cause })
      }
      return callWithTimeout<PlatformResponse>(
        (settle) =>
          source.request({
            ...checked,
            timeout: timeoutMs,
            success: (result) => {
              const answer = readHttpAnswer(result)
              if (answer) settle.resolve(answer)
              else settle.reject(unreadableAnswerError(`${api}.request`, result, errMsgOf(result)))
            },
            fail: (error) => settle.reject(requestFailure(error)),
          }),
        { what: `${api}.request`, timeoutMs, onThrow: requestFailure },
      )
    },

    storage: guardedStorage(syncStorage(api, source.host)),
  }
}
