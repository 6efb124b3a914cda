import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { taroPlatform } from '../../src/platform/index.ts'
import { fakeTaro } from './fakes/fake-taro.ts'
import { rejectionOf, valueOf, watch } from './fakes/outcome.ts'

beforeEach(() => {
  vi.useFakeTimers()
})

afterEach(() => {
  vi.useRealTimers()
})

describe('taroPlatform', () => {
  it('resolves the code of Taro.login, handing it the timeout', async () => {
    const fake = fakeTaro()
    const call = watch(taroPlatform(fake.taro).login({ timeout: 1_000 }))
    await vi.advanceTimersByTimeAsync(0)
    expect(valueOf(call)).toEqual({ code: 'taro-code-1' })
    expect(fake.loginCalls[0]).toEqual({ timeout: 1_000 })
  })

  it('rejects wx_login_failed when Taro.login rejects or resolves without a code', async () => {
    const rejected = watch(
      taroPlatform(fakeTaro({ login: { kind: 'fail', message: 'login:fail system error' } }).taro).login({ timeout: 1_000 }),
    )
    const empty = watch(taroPlatform(fakeTaro({ login: { kind: 'no-code' } }).taro).login({ timeout: 1_000 }))
    await vi.advanceTimersByTimeAsync(0)
    expect(rejectionOf(rejected).code).toBe('wx_login_failed')
    expect(rejectionOf(rejected).message).toContain('login:fail system error')
    expect(rejectionOf(empty).code).toBe('wx_login_failed')
  })

  it('settles with timeout when the Taro.login promise stays pending', async () => {
    const call = watch(taroPlatform(fakeTaro({ login: { kind: 'hang' } }).taro).login({ timeout: 600 }))
    await vi.advanceTimersByTimeAsync(600)
    expect(rejectionOf(call).message).toBe('Taro.login did not answer within 600 ms')
  })

  it('resolves while the session is alive and rejects unauthorized when it expired', async () => {
    const alive = watch(taroPlatform(fakeTaro().taro).checkSession())
    const expired = watch(taroPlatform(fakeTaro({ session: { kind: 'expired' } }).taro).checkSession())
    await vi.advanceTimersByTimeAsync(0)
    expect(alive.now()).toEqual({ settled: true, ok: true, value: undefined })
    expect(rejectionOf(expired).code).toBe('session_expired')
  })

  it('resolves an HTTP 429 from Taro.request with its headers', async () => {
    const fake = fakeTaro({
      respond: () => ({ kind: 'answer', statusCode: 429, data: { error: 'rate_limited' }, header: { 'Retry-After': '3' } }),
    })
    const call = watch(taroPlatform(fake.taro).request({ url: 'https://api.example.com/auth/login', method: 'POST', data: { code: 'c' } }))
    await vi.advanceTimersByTimeAsync(0)
    expect(valueOf(call)).toEqual({ statusCode: 429, data: { error: 'rate_limited' }, header: { 'Retry-After': '3' } })
    expect(fake.requests[0]?.options).toMatchObject({ method: 'POST', timeout: 10_000 })
  })

  it('rejects timeout for request:fail timeout and network for other rejections', async () => {
    const slow = watch(
      taroPlatform(fakeTaro({ respond: () => ({ kind: 'slow' }) }).taro).request({ url: 'https://a.example/', timeout: 9_000 }),
    )
    const down = watch(taroPlatform(fakeTaro({ respond: () => ({ kind: 'unreachable' }) }).taro).request({ url: 'https://a.example/' }))
    await vi.advanceTimersByTimeAsync(9_000)
    expect(rejectionOf(slow).code).toBe('timeout')
    expect(rejectionOf(down).code).toBe('network')
  })

  it('aborts the request task when its promise stays pending past the timeout', async () => {
    const fake = fakeTaro({ respond: () => ({ kind: 'hang' }) })
    const call = watch(taroPlatform(fake.taro).request({ url: 'https://a.example/', timeout: 250 }))
    await vi.advanceTimersByTimeAsync(250)
    expect(rejectionOf(call).code).toBe('timeout')
    expect(fake.requests[0]?.aborted).toBe(true)
  })

  it('reads a missing key as undefined and a full storage as storage_error', () => {
    const { storage } = taroPlatform(fakeTaro({ storageBudgetBytes: 12 }).taro)
    expect(storage.get('session')).toBeUndefined()
    expect(() => storage.set('session', { token: 'abcdefgh' })).toThrow(expect.objectContaining({ code: 'storage_error' }))
  })
})
