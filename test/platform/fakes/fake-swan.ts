import type { SwanApi } from '../../../src/platform/index.ts'
import { later, playRequest, playSession, wxStyleStorage, type RequestScript, type SeenRequest, type SessionScript } from './script.ts'

type SwanLoginOptions = Parameters<SwanApi['login']>[0]
type SwanRequestOptions = Parameters<SwanApi['request']>[0]

/**
 * A stand-in for Baidu's `swan`, answering as Baidu documents: `swan.login`
 * answers `{ code }` for a user logged in to Baidu; in the Web form a first
 * login leaves the page for Baidu's login, so none of its callbacks run;
 * `swan.request` answers `{ data, statusCode, header }` and fails with
 * `errCode`/`errMsg`; `''` for a missing storage key.
 */
export interface FakeSwanOptions {
  /** A first login in the Web form: the page is left and no callback runs. */
  webFormFirstLogin?: boolean
  /** Whether the user is logged in to Baidu (else login shows Baidu's login, which they cancel). */
  loggedIn?: boolean
  session?: SessionScript
  respond?: (options: SwanRequestOptions) => RequestScript
  storageBudgetBytes?: number
}

export function fakeSwan(options: FakeSwanOptions = {}): {
  swan: SwanApi
  loginCalls: SwanLoginOptions[]
  requests: SeenRequest<SwanRequestOptions>[]
} {
  const loginCalls: SwanLoginOptions[] = []
  const requests: SeenRequest<SwanRequestOptions>[] = []
  const swan: SwanApi = {
    login: (option) => {
      loginCalls.push(option)
      if (options.webFormFirstLogin) return
      later(0, () => {
        if (options.loggedIn === false) option.fail?.({ errCode: 10004, errMsg: 'user not login' })
        else option.success?.({ code: 'swan-code-1' })
      })
    },
    checkSession: (option) =>
      playSession(
        options.session ?? { kind: 'alive' },
        () => option.success?.({}),
        () => option.fail?.({ errCode: 10004, errMsg: 'session expired' }),
      ),
    request: (option) =>
      playRequest(requests, option, options.respond?.(option) ?? { kind: 'answer', statusCode: 200, data: {} }, {
        // swan.request has no timeout of its own: a slow server keeps it waiting.
        timeoutMs: undefined,
        fail: (ending) => option.fail?.({ errCode: 1001, errMsg: ending === 'abort' ? 'request:fail abort' : '执行失败' }),
        answer: (plan) => option.success?.({ statusCode: plan.statusCode, data: (plan.data ?? '') as object, header: plan.header ?? {} }),
      }),
    ...wxStyleStorage(options.storageBudgetBytes, 'setStorageSync:fail storage exceeds 10MB'),
  }
  return { swan, loginCalls, requests }
}
