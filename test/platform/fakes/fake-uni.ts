import type { UniAppApi } from '../../../src/platform/index.ts'
import { QuotaStore, later, type LoginScript, type RequestScript, type SeenRequest } from './script.ts'

/**
 * A stand-in for uni-app's `uni` in its callback form, answering as uni-app
 * documents: WeChat's conventions whatever the host (`{ code }`, every HTTP
 * status in `success` with `statusCode`, `{ errMsg }` on failure, `''` for a
 * missing storage key). Built for Alipay, `uni.login` also reports the
 * host's `authCode`.
 */
export interface FakeUniOptions {
  host?: 'weixin' | 'alipay'
  login?: LoginScript
  respond?: (options: UniNamespace.RequestOptions) => RequestScript
  storageBudgetBytes?: number
}

export function fakeUni(options: FakeUniOptions = {}): {
  uni: UniAppApi
  loginCalls: UniNamespace.LoginOptions[]
  requests: SeenRequest<UniNamespace.RequestOptions>[]
} {
  const store = new QuotaStore(options.storageBudgetBytes ?? 10 * 1024 * 1024)
  const loginCalls: UniNamespace.LoginOptions[] = []
  const requests: SeenRequest<UniNamespace.RequestOptions>[] = []
  const uni: UniAppApi = {
    login: (option) => {
      loginCalls.push(option)
      const plan = options.login ?? { kind: 'code', code: 'uni-code-1' }
      if (plan.kind === 'hang') return
      later(0, () => {
        if (plan.kind === 'fail') {
          option.fail?.({ errMsg: plan.message })
          return
        }
        const code = plan.kind === 'code' ? plan.code : ''
        const result: Partial<UniNamespace.LoginRes> =
          options.host === 'alipay' ? { errMsg: 'login:ok', authCode: code, code } : { errMsg: 'login:ok', code }
        option.success?.(result as UniNamespace.LoginRes)
      })
    },
    checkSession: (option) => later(0, () => option.success?.({ errMsg: 'checkSession:ok' })),
    request: (option) => {
      const seen: SeenRequest<UniNamespace.RequestOptions> = { options: option, aborted: false }
      requests.push(seen)
      const plan = options.respond?.(option) ?? { kind: 'answer', statusCode: 200, data: {} }
      let done = false
      const fail = (errMsg: string): void => {
        if (done) return
        done = true
        option.fail?.({ errMsg })
      }
      if (plan.kind === 'unreachable') later(plan.delayMs, () => fail('request:fail'))
      else if (plan.kind === 'slow') later(option.timeout ?? 60_000, () => fail('request:fail timeout'))
      else if (plan.kind === 'answer') {
        later(plan.delayMs, () => {
          if (done) return
          done = true
          option.success?.({ statusCode: plan.statusCode, data: (plan.data ?? '') as object, header: plan.header ?? {}, cookies: [] })
        })
      }
      const task: Partial<UniNamespace.RequestTask> = {
        abort: () => {
          seen.aborted = true
          later(0, () => fail('request:fail abort'))
        },
      }
      return task as UniNamespace.RequestTask
    },
    getStorageSync: (key) => {
      const entry = store.read(key)
      return entry.found ? entry.value : ''
    },
    setStorageSync: (key, value) => {
      if (!store.write(key, value)) throw new Error('setStorageSync:fail exceed storage max size')
    },
    removeStorageSync: (key) => store.delete(key),
  }
  return { uni, loginCalls, requests }
}
