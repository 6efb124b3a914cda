import type { PlatformOptions } from './timeouts.ts'
import type { Platform } from './types.ts'
import { wxStylePlatform, type SyncStorageApi, type WxStyleRequestOptions } from './wx-style-platform.ts'

/**
 * The part of QQ's `qq` the adapter uses. The npm registry has no light
 * typings for QQ mini programs, so these are the documented shapes, written
 * out: `qq.login` → `{ code }`; `qq.request` → `{ data, statusCode, header }`
 * in `success` whatever the status (its timeout is set app-wide in
 * `app.json`, not per call); failures → `{ errMsg }`.
 */
export interface QqCallbackResult {
  errMsg: string
}

export interface QqCallbacks<R> {
  success?(result: R): void
  fail?(error: QqCallbackResult): void
  complete?(result: QqCallbackResult): void
}

export interface QqRequestSuccessResult {
  data: string | object | ArrayBuffer
  statusCode: number
  header: Record<string, string>
}

export interface QqRequestTask {
  abort(): void
}

export interface QqApi extends SyncStorageApi {
  login(options: QqCallbacks<{ code: string; errMsg: string }>): void
  checkSession(options: QqCallbacks<QqCallbackResult>): void
  request(options: QqCallbacks<QqRequestSuccessResult> & WxStyleRequestOptions<string | object | ArrayBuffer>): QqRequestTask
}

/**
 * `Platform` over QQ's `qq`, which follows WeChat's conventions throughout.
 * `qq.request` takes no per-call timeout, so the adapter's own timer bounds
 * it and aborts the task when it fires.
 */
export function qqPlatform(qq: QqApi, options?: PlatformOptions): Platform {
  return wxStylePlatform(
    {
      api: 'qq',
      sessionOwner: 'QQ',
      login: ({ success, fail }) => qq.login({ success, fail }),
      request: ({ url, method, data, header, success, fail }) => qq.request({ url, method, data, header, success, fail }),
      host: qq,
    },
    options,
  )
}
