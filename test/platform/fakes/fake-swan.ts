import type { SwanApi } from '../../../src/platform/index.ts'
import { QuotaStore, later, type RequestScript, type SeenRequest, type SessionScript } from './script.ts'

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
  const store = new QuotaStore(options.storageBudgetBytes ?? 10 * 1024 * 1024)
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
    checkSession: (option) => {
      const plan = options.session ?? { kind: 'alive' }
      if (plan.kind === 'hang') return
      later(0, () => (plan.kind === 'alive' ? option.success?.({}) : option.fail?.({ errCode: 10004, errMsg: 'session expired' })))
    },
    request: (option) => {
      const seen: SeenRequest<SwanRequestOptions> = { options: option, aborted: false }
      requests.push(seen)
      const plan = options.respond?.(option) ?? { kind: 'answer', statusCode: 200, data: {} }
      let done = false
      const fail = (errCode: number, errMsg: string): void => {
        if (done) return
        done = true
        option.fail?.({ errCode, errMsg })
      }
      if (plan.kind === 'unreachable') later(plan.delayMs, () => fail(1001, '执行失败'))
      else if (plan.kind === 'answer') {
        later(plan.delayMs, () => {
          if (done) return
          done = true
          option.success?.({ statusCode: plan.statusCode, data: (plan.data ?? '') as object, header: plan.header ?? {} })
        })
      }
      // 'slow' and 'hang': swan.request has no timeout of its own; it waits.
      return {
        abort: () => {
          seen.aborted = true
          later(0, () => fail(1001, 'request:fail abort'))
        },
      }
    },
    getStorageSync: (key) => {
      const entry = store.read(key)
      return entry.found ? entry.value : ''
    },
    setStorageSync: (key, data) => {
      if (!store.write(key, data)) throw new Error('setStorageSync:fail storage exceeds 10MB')
    },
    removeStorageSync: (key) => store.delete(key),
  }
  return { swan, loginCalls, requests }
}
