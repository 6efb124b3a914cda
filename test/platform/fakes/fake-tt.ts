import type { BytedanceApi, BytedanceRequestOptions } from '../../../src/platform/index.ts'
import { later, playRequest, playSession, wxStyleStorage, type RequestScript, type SeenRequest, type SessionScript } from './script.ts'

/**
 * A stand-in for ByteDance's `tt`, answering as its documentation says:
 * `tt.login` answers `{ code, anonymousCode, isLogin }`, where a user not
 * logged in to the host app gets an empty `code` (with `force: false`) or the
 * host's login dialog (`force: true`, the default; cancelling it fails with
 * `login:fail host login fail`); `tt.request` reports every HTTP status in
 * `success`; `getStorageSync` answers `''` for a missing key.
 */
export interface FakeTtOptions {
  /** Whether the user is logged in to the host app (Douyin, Toutiao…). */
  hostLoggedIn?: boolean
  /** With `force: true`, whether the user completes the host's login dialog. */
  acceptsHostLogin?: boolean
  session?: SessionScript
  respond?: (options: BytedanceRequestOptions) => RequestScript
  storageBudgetBytes?: number
}

type TtLoginOptions = Parameters<BytedanceApi['login']>[0]

export function fakeTt(options: FakeTtOptions = {}): {
  tt: BytedanceApi
  loginCalls: TtLoginOptions[]
  requests: SeenRequest<BytedanceRequestOptions>[]
} {
  const loginCalls: TtLoginOptions[] = []
  const requests: SeenRequest<BytedanceRequestOptions>[] = []
  let loggedIn = options.hostLoggedIn ?? true
  let issued = 0

  const tt: BytedanceApi = {
    login: (option) => {
      loginCalls.push(option)
      later(0, () => {
        const force = option.force ?? true
        if (!loggedIn && force) {
          if (!options.acceptsHostLogin) {
            option.fail?.({ errMsg: 'login:fail host login fail', errNo: 113001 })
            return
          }
          loggedIn = true
        }
        issued += 1
        option.success?.({
          errMsg: 'login:ok',
          code: loggedIn ? `tt-code-${issued}` : '',
          anonymousCode: `anon-${issued}`,
          isLogin: loggedIn,
        })
      })
    },
    checkSession: (option) =>
      playSession(
        options.session ?? { kind: 'alive' },
        () => option.success?.({ errMsg: 'checkSession:ok' }),
        () => option.fail?.({ errMsg: 'checkSession:fail session expired' }),
      ),
    request: (option) =>
      playRequest(requests, option, options.respond?.(option) ?? { kind: 'answer', statusCode: 200, data: {} }, {
        timeoutMs: option.timeout ?? 60_000,
        fail: (ending) =>
          option.fail?.({
            errMsg: { unreachable: 'request:fail network error', timeout: 'request:fail timeout', abort: 'request:fail abort' }[ending],
          }),
        answer: (plan) =>
          option.success?.({
            errMsg: 'request:ok',
            statusCode: plan.statusCode,
            header: plan.header ?? {},
            data: (plan.data ?? '') as object,
          }),
      }),
    ...wxStyleStorage(options.storageBudgetBytes, 'setStorageSync:fail storage limit exceeded'),
  }
  return { tt, loginCalls, requests }
}
