import type * as TT from '@douyin-microapp/typings/types/api.js'
import { LoginError } from '../contract/index.ts'
import type { PlatformOptions } from './timeouts.ts'
import type { Platform } from './types.ts'
import { wxStylePlatform } from './wx-style-platform.ts'

type TtRequestOptions = Parameters<typeof TT.request>[0]

/**
 * `tt.request`'s options as documented: the published typings lack `timeout`
 * (milliseconds, at most 60 000, base library 2.31.0) and string bodies.
 */
export type BytedanceRequestOptions = Omit<TtRequestOptions, 'data'> & {
  data?: string | object | ArrayBuffer
  timeout?: number
}

/** The part of ByteDance's `tt` (Douyin, Toutiao…) the adapter uses (types from `@douyin-microapp/typings`). */
export interface BytedanceApi {
  login: typeof TT.login
  checkSession: typeof TT.checkSession
  request(options: BytedanceRequestOptions): ReturnType<typeof TT.request>
  getStorageSync: typeof TT.getStorageSync
  setStorageSync: typeof TT.setStorageSync
  removeStorageSync: typeof TT.removeStorageSync
}

export interface BytedancePlatformOptions extends PlatformOptions {
  /**
   * `tt.login`'s `force` (the platform's default is `true`): whether a user
   * not logged in to the host app is shown its login dialog. With `false`
   * such a user gets no `code` and `login()` rejects `wx_login_failed`.
   */
  force?: boolean
}

/** `tt.request` knows no TRACE/CONNECT in its typings; such a request is refused before it is sent. */
const TT_METHODS: ReadonlySet<string> = new Set(['GET', 'POST', 'OPTIONS', 'PUT', 'HEAD', 'DELETE'])

function isTtMethod(method: string): method is NonNullable<TtRequestOptions['method']> {
  return TT_METHODS.has(method)
}

/**
 * `Platform` over ByteDance's `tt`. Same conventions as WeChat: `tt.login`
 * answers `{ code, anonymousCode, isLogin }` (only `code` is used; it is
 * empty for a user not logged in to the host app), HTTP errors arrive in
 * `success` with their `statusCode`, failures carry `errMsg`, and a missing
 * storage key reads `''`. `tt.checkSession` failing means the session expired.
 */
export function bytedancePlatform(tt: BytedanceApi, options?: BytedancePlatformOptions): Platform {
  const force = options?.force
  return wxStylePlatform(
    {
      api: 'tt',
      sessionOwner: 'ByteDance',
      login: ({ success, fail }) => tt.login({ ...(force === undefined ? {} : { force }), success, fail }),
      request: ({ url, method, data, header, timeout, success, fail }) => {
        if (!isTtMethod(method)) {
          throw new LoginError('invalid_request', `tt.request: HTTP method ${method} is not supported`)
        }
        return tt.request({ url, method, data, header, timeout, success, fail })
      },
      host: tt,
    },
    options,
  )
}
