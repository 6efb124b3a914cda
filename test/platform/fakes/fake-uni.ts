import type { UniAppApi } from '../../../src/platform/index.ts'
import { later, playRequest, wxStyleStorage, type LoginScript, type RequestScript, type SeenRequest } from './script.ts'

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
    request: (option) =>
      // The typings' RequestTask has more than abort(); callers of the adapter use only that.
      playRequest(requests, option, options.respond?.(option) ?? { kind: 'answer', statusCode: 200, data: {} }, {
        timeoutMs: option.timeout ?? 60_000,
        fail: (ending) =>
          option.fail?.({ errMsg: { unreachable: 'request:fail', timeout: 'request:fail timeout', abort: 'request:fail abort' }[ending] }),
        answer: (plan) =>
          option.success?.({ statusCode: plan.statusCode, data: (plan.data ?? '') as object, header: plan.header ?? {}, cookies: [] }),
      }) as UniNamespace.RequestTask,
    ...wxStyleStorage(options.storageBudgetBytes, 'setStorageSync:fail exceed storage max size'),
  }
  return { uni, loginCalls, requests }
}
