import { afterEach, beforeEach, describe, expect, expectTypeOf, it, vi } from 'vitest'
import { uniAppPlatform, type UniAppApi } from '../../src/platform/index.ts'
import { rejectionOf, valueOf, watch } from './fakes/outcome.ts'
import { fakeUni } from './fakes/fake-uni.ts'

// Compile-time: the published `uni` typings fit what the adapter asks for.
expectTypeOf<Uni>().toExtend<UniAppApi>()

beforeEach(() => {
  vi.useFakeTimers()
})

afterEach(() => {
  vi.useRealTimers()
})

describe('uniAppPlatform', () => {
  it('resolves the code of uni.login, handing it the timeout and the provider', async () => {
    const fake = fakeUni()
    const call = watch(uniAppPlatform(fake.uni, { provider: 'weixin' }).login({ timeout: 1_000 }))
    await vi.advanceTimersByTimeAsync(0)
    expect(valueOf(call)).toEqual({ code: 'uni-code-1' })
    expect(fake.loginCalls[0]).toMatchObject({ provider: 'weixin', timeout: 1_000 })
  })

  it('sends no provider when none is given (a mini-program build uses its host)', async () => {
    const fake = fakeUni()
    watch(uniAppPlatform(fake.uni).login({ timeout: 1_000 }))
    await vi.advanceTimersByTimeAsync(0)
    expect(fake.loginCalls[0]).not.toHaveProperty('provider')
  })

  it('resolves the code of a build for Alipay', async () => {
    const call = watch(uniAppPlatform(fakeUni({ host: 'alipay', login: { kind: 'code', code: 'ali-1' } }).uni).login({ timeout: 1_000 }))
    await vi.advanceTimersByTimeAsync(0)
    expect(valueOf(call)).toEqual({ code: 'ali-1' })
  })

  it('falls back to authCode when a build for Alipay reports no code', async () => {
    const fake = fakeUni()
    const uni: UniAppApi = {
      ...fake.uni,
      login: (option) => {
        const result: Partial<UniNamespace.LoginRes> = { errMsg: 'login:ok', authCode: 'ali-only' }
        setTimeout(() => option.success?.(result as UniNamespace.LoginRes), 0)
      },
    }
    const call = watch(uniAppPlatform(uni).login({ timeout: 1_000 }))
    await vi.advanceTimersByTimeAsync(0)
    expect(valueOf(call)).toEqual({ code: 'ali-only' })
  })

  it('rejects wx_login_failed when uni.login fails, and timeout when it never answers', async () => {
    const failed = watch(
      uniAppPlatform(fakeUni({ login: { kind: 'fail', message: 'login:fail cancelled' } }).uni).login({ timeout: 1_000 }),
    )
    const hung = watch(uniAppPlatform(fakeUni({ login: { kind: 'hang' } }).uni).login({ timeout: 1_000 }))
    await vi.advanceTimersByTimeAsync(1_000)
    expect(rejectionOf(failed).code).toBe('wx_login_failed')
    expect(rejectionOf(hung).code).toBe('timeout')
  })

  it('resolves an HTTP 404 from uni.request and maps its failures', async () => {
    const notFound = watch(
      uniAppPlatform(fakeUni({ respond: () => ({ kind: 'answer', statusCode: 404, data: 'Not Found' }) }).uni).request({
        url: 'https://a.example/',
      }),
    )
    const slow = watch(
      uniAppPlatform(fakeUni({ respond: () => ({ kind: 'slow' }) }).uni).request({ url: 'https://a.example/', timeout: 2_000 }),
    )
    const down = watch(uniAppPlatform(fakeUni({ respond: () => ({ kind: 'unreachable' }) }).uni).request({ url: 'https://a.example/' }))
    await vi.advanceTimersByTimeAsync(2_000)
    expect(valueOf(notFound)).toMatchObject({ statusCode: 404, data: 'Not Found' })
    expect(rejectionOf(slow).code).toBe('timeout')
    expect(rejectionOf(down).code).toBe('network')
  })

  it('reads a missing key as undefined and a full storage as storage_error', () => {
    const { storage } = uniAppPlatform(fakeUni({ storageBudgetBytes: 12 }).uni)
    expect(storage.get('session')).toBeUndefined()
    expect(() => storage.set('session', { token: 'abcdefgh' })).toThrow(expect.objectContaining({ code: 'storage_error' }))
  })
})
