import type { TaroApi, TaroRequestOptions, TaroRequestSuccessResult } from '../../../src/platform/index.ts'
import { later, wxStyleStorage, type LoginScript, type RequestScript, type SeenRequest, type SessionScript } from './script.ts'

/**
 * A stand-in for Taro's promise API on a WeChat-style target, answering as
 * Taro documents: `Taro.login()` resolves `{ code, errMsg }`; `Taro.request()`
 * resolves every HTTP status with `{ data, statusCode, header, errMsg }`,
 * rejects `{ errMsg }` when no answer came, and returns a task with
 * `abort()`; `''` for a missing storage key. A promise whose runtime never
 * calls back stays pending.
 */
export interface FakeTaroOptions {
  login?: LoginScript
  session?: SessionScript
  respond?: (options: TaroRequestOptions) => RequestScript
  storageBudgetBytes?: number
}

function pending<T>(): Promise<T> {
  return new Promise<T>(() => {})
}

export function fakeTaro(options: FakeTaroOptions = {}): {
  taro: TaroApi
  loginCalls: ({ timeout?: number } | undefined)[]
  requests: SeenRequest<TaroRequestOptions>[]
} {
  const loginCalls: ({ timeout?: number } | undefined)[] = []
  const requests: SeenRequest<TaroRequestOptions>[] = []
  const taro: TaroApi = {
    login: (option) => {
      loginCalls.push(option)
      const plan = options.login ?? { kind: 'code', code: 'taro-code-1' }
      if (plan.kind === 'hang') return pending()
      return new Promise((resolve, reject) =>
        later(0, () => {
          if (plan.kind === 'code') resolve({ code: plan.code, errMsg: 'login:ok' })
          else if (plan.kind === 'no-code') resolve({ code: '', errMsg: 'login:ok' })
          else reject({ errMsg: plan.message })
        }),
      )
    },
    checkSession: () => {
      const plan = options.session ?? { kind: 'alive' }
      if (plan.kind === 'hang') return pending()
      return new Promise((resolve, reject) =>
        later(0, () => (plan.kind === 'alive' ? resolve({ errMsg: 'checkSession:ok' }) : reject({ errMsg: 'checkSession:fail' }))),
      )
    },
    request: (option) => {
      const seen: SeenRequest<TaroRequestOptions> = { options: option, aborted: false }
      requests.push(seen)
      const plan = options.respond?.(option) ?? { kind: 'answer', statusCode: 200, data: {} }
      let rejectTask: (reason: unknown) => void = () => {}
      const task = new Promise<TaroRequestSuccessResult>((resolve, reject) => {
        rejectTask = reject
        if (plan.kind === 'unreachable') later(plan.delayMs, () => reject({ errMsg: 'request:fail net::ERR_NAME_NOT_RESOLVED' }))
        else if (plan.kind === 'slow') later(option.timeout ?? 60_000, () => reject({ errMsg: 'request:fail timeout' }))
        else if (plan.kind === 'answer') {
          later(plan.delayMs, () =>
            resolve({ data: plan.data ?? '', statusCode: plan.statusCode, header: plan.header ?? {}, errMsg: 'request:ok' }),
          )
        }
      })
      return Object.assign(task, {
        abort: () => {
          seen.aborted = true
          rejectTask({ errMsg: 'request:fail abort' })
        },
      })
    },
    ...wxStyleStorage(options.storageBudgetBytes, 'setStorageSync:fail exceed storage max size'),
  }
  return { taro, loginCalls, requests }
}
