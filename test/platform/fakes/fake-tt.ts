import type { BytedanceApi, BytedanceRequestOptions } from '../../../src/platform/index.ts'
import { QuotaStore, later, type RequestScript, type SeenRequest, type SessionScript } from './script.ts'

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
  const store = new QuotaStore(options.storageBudgetBytes ?? 10 * 1024 * 1024)
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
    checkSession: (option) => {
      const plan = options.session ?? { kind: 'alive' }
      if (plan.kind === 'hang') return
      later(0, () => {
        if (plan.kind === 'alive') option.success?.({ errMsg: 'checkSession:ok' })
        else option.fail?.({ errMsg: 'checkSession:fail session expired' })
      })
    },
    request: (option) => {
      const seen: SeenRequest<BytedanceRequestOptions> = { options: option, aborted: false }
      requests.push(seen)
      const plan = options.respond?.(option) ?? { kind: 'answer', statusCode: 200, data: {} }
      let done = false
      const fail = (errMsg: string): void => {
        if (done) return
        done = true
        option.fail?.({ errMsg })
      }
      if (plan.kind === 'unreachable') later(plan.delayMs, () => fail('request:fail network error'))
      else if (plan.kind === 'slow') later(option.timeout ?? 60_000, () => fail('request:fail timeout'))
      else if (plan.kind === 'answer') {
        later(plan.delayMs, () => {
          if (done) return
          done = true
          option.success?.({
            errMsg: 'request:ok',
            statusCode: plan.statusCode,
            header: plan.header ?? {},
            data: (plan.data ?? '') as object,
          })
        })
      }
      return {
        abort: () => {
          seen.aborted = true
          later(0, () => fail('request:fail abort'))
        },
      }
    },
    getStorageSync: (key) => {
      const entry = store.read(key)
      return entry.found ? entry.value : ''
    },
    setStorageSync: (key, data) => {
      if (!store.write(key, data)) throw new Error('setStorageSync:fail storage limit exceeded')
    },
    removeStorageSync: (key) => store.delete(key),
  }
  return { tt, loginCalls, requests }
}
