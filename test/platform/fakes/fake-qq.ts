import type { QqApi } from '../../../src/platform/index.ts'
import { QuotaStore, later, type LoginScript, type RequestScript, type SeenRequest, type SessionScript } from './script.ts'

type QqRequestOptions = Parameters<QqApi['request']>[0]

/**
 * A stand-in for QQ's `qq`, answering as QQ documents (WeChat's conventions):
 * `{ code }` from `qq.login`; every HTTP status in `qq.request`'s `success`;
 * no per-call request timeout (the app-wide one, 60 s by default, fails a
 * request with `request:fail timeout`); `''` for a missing storage key.
 */
export interface FakeQqOptions {
  login?: LoginScript
  session?: SessionScript
  respond?: (options: QqRequestOptions) => RequestScript
  storageBudgetBytes?: number
}

const QQ_APP_NETWORK_TIMEOUT = 60_000

export function fakeQq(options: FakeQqOptions = {}): { qq: QqApi; requests: SeenRequest<QqRequestOptions>[] } {
  const store = new QuotaStore(options.storageBudgetBytes ?? 10 * 1024 * 1024)
  const requests: SeenRequest<QqRequestOptions>[] = []
  const qq: QqApi = {
    login: (option) => {
      const plan = options.login ?? { kind: 'code', code: 'qq-code-1' }
      if (plan.kind === 'hang') return
      later(0, () => {
        if (plan.kind === 'code') option.success?.({ code: plan.code, errMsg: 'login:ok' })
        else if (plan.kind === 'no-code') option.success?.({ code: '', errMsg: 'login:ok' })
        else option.fail?.({ errMsg: plan.message })
      })
    },
    checkSession: (option) => {
      const plan = options.session ?? { kind: 'alive' }
      if (plan.kind === 'hang') return
      later(0, () =>
        plan.kind === 'alive' ? option.success?.({ errMsg: 'checkSession:ok' }) : option.fail?.({ errMsg: 'checkSession:fail' }),
      )
    },
    request: (option) => {
      const seen: SeenRequest<QqRequestOptions> = { options: option, aborted: false }
      requests.push(seen)
      const plan = options.respond?.(option) ?? { kind: 'answer', statusCode: 200, data: {} }
      let done = false
      const fail = (errMsg: string): void => {
        if (done) return
        done = true
        option.fail?.({ errMsg })
      }
      if (plan.kind === 'unreachable') later(plan.delayMs, () => fail('request:fail net::ERR_CONNECTION_RESET'))
      else if (plan.kind === 'slow') later(QQ_APP_NETWORK_TIMEOUT, () => fail('request:fail timeout'))
      else if (plan.kind === 'answer') {
        later(plan.delayMs, () => {
          if (done) return
          done = true
          option.success?.({ statusCode: plan.statusCode, data: (plan.data ?? '') as object, header: plan.header ?? {} })
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
      if (!store.write(key, data)) throw new Error('setStorageSync:fail exceed storage max size')
    },
    removeStorageSync: (key) => store.delete(key),
  }
  return { qq, requests }
}
