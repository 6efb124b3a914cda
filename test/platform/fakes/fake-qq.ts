import type { QqApi } from '../../../src/platform/index.ts'
import {
  later,
  playRequest,
  playSession,
  wxStyleStorage,
  type LoginScript,
  type RequestScript,
  type SeenRequest,
  type SessionScript,
} from './script.ts'

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
    checkSession: (option) =>
      playSession(
        options.session ?? { kind: 'alive' },
        () => option.success?.({ errMsg: 'checkSession:ok' }),
        () => option.fail?.({ errMsg: 'checkSession:fail' }),
      ),
    request: (option) =>
      playRequest(requests, option, options.respond?.(option) ?? { kind: 'answer', statusCode: 200, data: {} }, {
        timeoutMs: QQ_APP_NETWORK_TIMEOUT,
        fail: (ending) =>
          option.fail?.({
            errMsg: { unreachable: 'request:fail net::ERR_CONNECTION_RESET', timeout: 'request:fail timeout', abort: 'request:fail abort' }[
              ending
            ],
          }),
        answer: (plan) => option.success?.({ statusCode: plan.statusCode, data: (plan.data ?? '') as object, header: plan.header ?? {} }),
      }),
    ...wxStyleStorage(options.storageBudgetBytes, 'setStorageSync:fail exceed storage max size'),
  }
  return { qq, requests }
}
