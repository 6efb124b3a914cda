import type { PlatformOptions } from './timeouts.ts'
import type { Platform } from './types.ts'
import { wxStylePlatform } from './wx-style-platform.ts'

/** The part of WeChat's `wx` the adapter uses (types from `miniprogram-api-typings`). */
export type WechatApi = Pick<
  WechatMiniprogram.Wx,
  'login' | 'checkSession' | 'request' | 'getStorageSync' | 'setStorageSync' | 'removeStorageSync'
>

/**
 * `Platform` over WeChat's `wx`.
 *
 * - `login` → `wx.login`: `{ code }`; `fail`, or a success without a code,
 *   rejects `wx_login_failed`; no answer in time rejects `timeout`.
 * - `checkSession` → `wx.checkSession`: `fail` means WeChat's session
 *   expired and rejects `LoginError('session_expired')`.
 * - `request` → `wx.request`: every HTTP status resolves (WeChat reports 4xx
 *   and 5xx in `success`); `fail` with `request:fail timeout` rejects
 *   `timeout`, any other `fail` rejects `network`. A request still running at
 *   the timeout is aborted.
 * - `storage` → `wx.*StorageSync`: `''` (WeChat's answer for a missing key)
 *   reads as `undefined`; a throw (storage full) becomes `storage_error`.
 */
export function wechatPlatform(wx: WechatApi, options?: PlatformOptions): Platform {
  return wxStylePlatform(
    {
      api: 'wx',
      sessionOwner: 'WeChat',
      login: ({ timeout, success, fail }) => wx.login({ timeout, success, fail }),
      request: ({ url, method, data, header, timeout, success, fail }) => wx.request({ url, method, data, header, timeout, success, fail }),
      host: wx,
    },
    options,
  )
}
