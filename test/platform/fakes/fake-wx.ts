import { QuotaStore, later, type LoginScript, type RequestScript, type SeenRequest, type SessionScript } from './script.ts'

/**
 * A stand-in for WeChat's `wx`, typed as `WechatMiniprogram.Wx`, answering as
 * WeChat documents:
 *
 * - callbacks run on a later turn, `complete` after `success`/`fail`;
 * - `wx.login` honours its `timeout` and fails with `login:fail timeout`;
 * - `wx.request` reports every HTTP status in `success`, fails with
 *   `request:fail timeout` after its `timeout` (60 s by default), and
 *   `RequestTask.abort()` fails it with `request:fail abort`;
 * - `getStorageSync` answers `''` for a missing key, `setStorageSync` throws
 *   when the storage budget is spent.
 */
export interface FakeWxOptions {
  login?: LoginScript
  session?: SessionScript
  respond?: (options: WechatMiniprogram.RequestOption) => RequestScript
  storageBudgetBytes?: number
  /** Makes `getStorageSync` throw, as a corrupt storage does. */
  brokenReads?: boolean
}

export interface FakeWx {
  wx: WechatMiniprogram.Wx
  loginCalls: WechatMiniprogram.LoginOption[]
  requests: SeenRequest<WechatMiniprogram.RequestOption>[]
  store: QuotaStore
  /** Replaces the login script for later calls. */
  script: FakeWxOptions
}

const WX_REQUEST_DEFAULT_TIMEOUT = 60_000

export function fakeWx(initial: FakeWxOptions = {}): FakeWx {
  const script: FakeWxOptions = { ...initial }
  const store = new QuotaStore(initial.storageBudgetBytes ?? 10 * 1024 * 1024)
  const loginCalls: WechatMiniprogram.LoginOption[] = []
  const requests: SeenRequest<WechatMiniprogram.RequestOption>[] = []

  const login = (option: WechatMiniprogram.LoginOption = {}): void => {
    loginCalls.push(option)
    const plan = script.login ?? { kind: 'code', code: 'wx-code-1' }
    const fail = (errMsg: string): void => {
      option.fail?.({ errMsg } as WechatMiniprogram.LoginFailCallbackErr)
      option.complete?.({ errMsg })
    }
    if (plan.kind === 'hang') return
    if (plan.kind === 'fail') {
      later(0, () => fail(plan.message))
      return
    }
    if (plan.kind === 'no-code') {
      later(0, () => {
        option.success?.({ errMsg: 'login:ok' } as WechatMiniprogram.LoginSuccessCallbackResult)
        option.complete?.({ errMsg: 'login:ok' })
      })
      return
    }
    const delay = plan.delayMs ?? 0
    if (option.timeout !== undefined && delay >= option.timeout) {
      later(option.timeout, () => fail('login:fail timeout'))
      return
    }
    later(delay, () => {
      option.success?.({ code: plan.code, errMsg: 'login:ok' })
      option.complete?.({ errMsg: 'login:ok' })
    })
  }

  const checkSession = (option: WechatMiniprogram.CheckSessionOption = {}): void => {
    const plan = script.session ?? { kind: 'alive' }
    if (plan.kind === 'hang') return
    later(0, () => {
      if (plan.kind === 'alive') option.success?.({ errMsg: 'checkSession:ok' })
      else option.fail?.({ errMsg: 'checkSession:fail' })
      option.complete?.({ errMsg: plan.kind === 'alive' ? 'checkSession:ok' : 'checkSession:fail' })
    })
  }

  const request = (option: WechatMiniprogram.RequestOption): WechatMiniprogram.RequestTask => {
    const seen: SeenRequest<WechatMiniprogram.RequestOption> = { options: option, aborted: false }
    requests.push(seen)
    let done = false
    const timers: ReturnType<typeof setTimeout>[] = []
    const fail = (errMsg: string): void => {
      if (done) return
      done = true
      timers.forEach(clearTimeout)
      option.fail?.({ errMsg, errno: 600001 } as WechatMiniprogram.RequestFailCallbackErr)
      option.complete?.({ errMsg })
    }
    const plan = script.respond?.(option) ?? { kind: 'answer', statusCode: 200, data: {} }
    const timeout = option.timeout ?? WX_REQUEST_DEFAULT_TIMEOUT
    if (plan.kind === 'unreachable') {
      timers.push(later(plan.delayMs, () => fail('request:fail ssl hand shake error')))
    } else if (plan.kind === 'slow') {
      timers.push(later(timeout, () => fail('request:fail timeout')))
    } else if (plan.kind === 'answer') {
      const delay = plan.delayMs ?? 0
      if (delay >= timeout) {
        timers.push(later(timeout, () => fail('request:fail timeout')))
      } else {
        timers.push(
          later(delay, () => {
            if (done) return
            done = true
            const result: Partial<WechatMiniprogram.RequestSuccessCallbackResult> = {
              data: (plan.data ?? '') as WechatMiniprogram.IAnyObject,
              statusCode: plan.statusCode,
              header: plan.header ?? { 'Content-Type': 'application/json' },
              cookies: [],
              errMsg: 'request:ok',
            }
            option.success?.(result as WechatMiniprogram.RequestSuccessCallbackResult)
            option.complete?.({ errMsg: 'request:ok' })
          }),
        )
      }
    }
    const task: Partial<WechatMiniprogram.RequestTask> = {
      abort: () => {
        seen.aborted = true
        if (plan.kind !== 'hang') later(0, () => fail('request:fail abort'))
      },
    }
    return task as WechatMiniprogram.RequestTask
  }

  const getStorageSync = <T>(key: string): T => {
    if (script.brokenReads) throw new Error('getStorageSync:fail data corrupted')
    const entry = store.read(key)
    return (entry.found ? entry.value : '') as T
  }

  const setStorageSync = <T>(key: string, data: T): void => {
    if (!store.write(key, data)) throw new Error('setStorageSync:fail exceed storage max size 10MB')
  }

  const api: Partial<WechatMiniprogram.Wx> = {
    login: login as WechatMiniprogram.Wx['login'],
    checkSession: checkSession as WechatMiniprogram.Wx['checkSession'],
    request: request as WechatMiniprogram.Wx['request'],
    getStorageSync,
    setStorageSync,
    removeStorageSync: (key: string) => store.delete(key),
  }
  return { wx: api as WechatMiniprogram.Wx, loginCalls, requests, store, script }
}
