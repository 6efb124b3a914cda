import type { AlipayApi } from '../../../src/platform/index.ts'
import { QuotaStore, later, playRequest, type RequestScript, type SeenRequest } from './script.ts'

type GetAuthCodeOptions = NonNullable<Parameters<AlipayApi['getAuthCode']>[0]>
type RequestOptions = Parameters<AlipayApi['request']>[0]

/**
 * A stand-in for Alipay's `my`, answering as Alipay documents:
 *
 * - `my.getAuthCode` answers `authCode` (not `code`); `auth_base` is silent,
 *   `auth_user` asks the user, who may refuse (error 11);
 * - `my.request` answers `status` and `headers`; a non-2xx status arrives in
 *   `fail` as error 19 with the answer attached; error 13 is a timeout (30 s
 *   by default), 12 a network failure, 14 a body it could not decode (with
 *   `dataType: 'json'`, the default before base library 2.9.5), 9 an abort;
 * - `my.getStorageSync({ key })` answers `{ data }`, `null` for a missing
 *   key; `my.setStorageSync` answers `{ success: false, error: 12 }` when the
 *   storage is full rather than throwing.
 */
export interface FakeMyOptions {
  /** Whether the user agrees when asked for more than `auth_base`. */
  grantsUserScope?: boolean
  /** The runtime never calls `my.getAuthCode`'s callbacks. */
  authHangs?: boolean
  respond?: (options: RequestOptions) => RequestScript
  /** Decode answers as JSON strictly (base library before 2.9.5). */
  strictJson?: boolean
  storageBudgetBytes?: number
}

export interface FakeMy {
  my: AlipayApi
  authCalls: GetAuthCodeOptions[]
  requests: SeenRequest<RequestOptions>[]
}

function parsesAsJson(value: unknown): boolean {
  if (typeof value !== 'string') return true
  try {
    JSON.parse(value)
    return true
  } catch {
    return false
  }
}

export function fakeMy(options: FakeMyOptions = {}): FakeMy {
  const store = new QuotaStore(options.storageBudgetBytes ?? 10 * 1024 * 1024)
  const authCalls: GetAuthCodeOptions[] = []
  const requests: SeenRequest<RequestOptions>[] = []
  let issued = 0

  const getAuthCode = (option: GetAuthCodeOptions = {}): void => {
    authCalls.push(option)
    if (options.authHangs) return
    later(0, () => {
      const scopes = [option.scopes ?? 'auth_base'].flat()
      if (scopes.some((scope) => scope !== 'auth_base') && !options.grantsUserScope) {
        option.fail?.({ error: 11, errorMessage: '用户取消授权' })
        return
      }
      issued += 1
      option.success?.({ authCode: `ali-auth-${issued}`, authSuccessScopes: ['auth_base'], authErrorScopes: {} })
    })
  }

  const request = (option: RequestOptions): { abort(): void } => {
    const fail = (error: Record<string, unknown>): void => option.fail?.(error as { error?: number; errorMessage?: string })
    return playRequest(requests, option, options.respond?.(option) ?? { kind: 'answer', statusCode: 200, data: {} }, {
      timeoutMs: option.timeout ?? 30_000,
      fail: (ending) =>
        fail(
          {
            unreachable: { error: 12, errorMessage: '网络出错' },
            timeout: { error: 13, errorMessage: '超时' },
            abort: { error: 9, errorMessage: 'request:fail abort' },
          }[ending],
        ),
      answer: (plan) => {
        const headers = plan.header ?? { 'content-type': 'application/json' }
        const data = plan.data ?? ''
        if (options.strictJson && !parsesAsJson(data)) fail({ error: 14, errorMessage: 'JSON parse data error' })
        else if (plan.statusCode < 200 || plan.statusCode > 299)
          fail({ error: 19, errorMessage: 'http status error', status: plan.statusCode, data, headers })
        else
          option.success?.({
            status: plan.statusCode,
            headers,
            data: data as Record<string, unknown>,
            statusCode: plan.statusCode,
            header: headers,
          })
      },
    })
  }

  const api: Partial<AlipayApi> = {
    getAuthCode: getAuthCode as AlipayApi['getAuthCode'],
    // The typings say the task is also a Promise; with callbacks the documented answer is a RequestTask.
    request: request as unknown as AlipayApi['request'],
    getStorageSync: ({ key }) => {
      const entry = store.read(key)
      return { data: entry.found ? entry.value : null }
    },
    setStorageSync: ({ key, data }) =>
      store.write(key, data) ? { success: true } : { success: false, error: 12, errorMessage: '存储总大小达到上限' },
    removeStorageSync: ({ key }) => {
      store.delete(key)
      return { success: true }
    },
  }
  return { my: api as AlipayApi, authCalls, requests }
}
