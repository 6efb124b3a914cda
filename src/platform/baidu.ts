import { LoginError } from '../contract/index.ts'
import type { PlatformOptions } from './timeouts.ts'
import type { Platform } from './types.ts'
import { wxStylePlatform, type SyncStorageApi, type WxStyleRequestOptions } from './wx-style-platform.ts'

/**
 * The part of Baidu's `swan` the adapter uses. The npm registry has no light
 * typings for Baidu smart programs, so these are the documented shapes:
 * `swan.login` takes a `timeout` and answers `{ code }`; `swan.request`
 * answers `{ data, statusCode, header }`, takes no timeout, and sends a
 * string or an object (no ArrayBuffer); failures carry `errCode` and
 * `errMsg`.
 */
export interface SwanFailure {
  errCode?: number
  errMsg?: string
}

export interface SwanCallbacks<R> {
  success?(result: R): void
  fail?(error: SwanFailure): void
  complete?(result: unknown): void
}

export interface SwanRequestSuccessResult {
  data: string | object
  statusCode: number
  header: Record<string, string>
}

export interface SwanRequestTask {
  abort(): void
}

export interface SwanApi extends SyncStorageApi {
  login(options: SwanCallbacks<{ code: string }> & { timeout?: number }): void
  checkSession(options: SwanCallbacks<unknown>): void
  request(options: SwanCallbacks<SwanRequestSuccessResult> & WxStyleRequestOptions<string | object>): SwanRequestTask
}

/**
 * `Platform` over Baidu's `swan`. `swan.login` shows the Baidu account login
 * when the user is not logged in; in a smart program's Web form a first login
 * leaves the page and its callbacks never run, which the adapter's timeout
 * turns into `LoginError('timeout')`. `swan.checkSession` failing means the
 * session expired (or the user is not logged in to Baidu).
 */
export function baiduPlatform(swan: SwanApi, options?: PlatformOptions): Platform {
  return wxStylePlatform(
    {
      api: 'swan',
      sessionOwner: 'Baidu',
      login: ({ timeout, success, fail }) => swan.login({ timeout, success, fail }),
      request: ({ url, method, data, header, success, fail }) => {
        if (data instanceof ArrayBuffer) {
          throw new LoginError('invalid_request', 'swan.request: an ArrayBuffer body is not supported')
        }
        return swan.request({ url, method, data, header, success, fail })
      },
      host: swan,
    },
    options,
  )
}
