/// <reference types="@dcloudio/types" />
import type { PlatformOptions } from './timeouts.ts'
import type { Platform } from './types.ts'
import { wxStylePlatform } from './wx-style-platform.ts'

/**
 * The part of uni-app's `uni` the adapter uses (types from `@dcloudio/types`).
 * Only the callback form is used: with callbacks `uni.*` behaves the same in
 * Vue 2 and Vue 3 projects, while the promise form differs between them
 * (Vue 2 resolves an `[error, result]` pair).
 */
export interface UniAppApi {
  login(options: UniNamespace.LoginOptions): void
  checkSession(options: UniNamespace.CheckSessionOptions): void
  request(options: UniNamespace.RequestOptions): UniNamespace.RequestTask
  getStorageSync(key: string): unknown
  setStorageSync(key: string, value: unknown): void
  removeStorageSync(key: string): void
}

export interface UniAppPlatformOptions extends PlatformOptions {
  /** `uni.login`'s `provider`: needed in an App build (e.g. `'weixin'`); mini-program builds use their host's. */
  provider?: UniNamespace.LoginOptions['provider']
}

function uniLoginCode(result: unknown): unknown {
  if (typeof result !== 'object' || result === null) return undefined
  const { code, authCode } = result as { code?: unknown; authCode?: unknown }
  // Built for Alipay, uni-app reports Alipay's `authCode` (and usually copies it to `code`).
  return typeof code === 'string' && code !== '' ? code : authCode
}

/**
 * `Platform` over uni-app's `uni`. uni-app forwards to the host it was built
 * for (`wx`, `tt`, `my`…) and speaks WeChat's conventions whatever the host:
 * `{ code }` from `uni.login`, `{ statusCode, header }` from `uni.request`
 * (HTTP errors in `success`), `errMsg` on failure, `''` for a missing
 * storage key. What the code is worth, and which server-side exchange it
 * needs, depends on that host.
 */
export function uniAppPlatform(uni: UniAppApi, options?: UniAppPlatformOptions): Platform {
  const provider = options?.provider
  return wxStylePlatform(
    {
      api: 'uni',
      sessionOwner: 'host platform',
      login: ({ timeout, success, fail }) => uni.login({ ...(provider === undefined ? {} : { provider }), timeout, success, fail }),
      request: ({ url, method, data, header, timeout, success, fail }) =>
        uni.request({ url, method, data, header, timeout, success, fail }),
      host: uni,
      readCode: uniLoginCode,
    },
    options,
  )
}
