import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { qqPlatform } from '../../src/platform/index.ts'
import { fakeQq } from './fakes/fake-qq.ts'
import { rejectionOf, valueOf, watch } from './fakes/outcome.ts'

beforeEach(() => {
  vi.useFakeTimers()
})

afterEach(() => {
  vi.useRealTimers()
})

describe('qqPlatform', () => {
  it('resolves the code of qq.login and rejects wx_login_failed when it fails', async () => {
    const ok = watch(qqPlatform(fakeQq().qq).login({ timeout: 1_000 }))
    const denied = watch(qqPlatform(fakeQq({ login: { kind: 'fail', message: 'login:fail auth deny' } }).qq).login({ timeout: 1_000 }))
    await vi.advanceTimersByTimeAsync(0)
    expect(valueOf(ok)).toEqual({ code: 'qq-code-1' })
    expect(rejectionOf(denied).code).toBe('wx_login_failed')
    expect(rejectionOf(denied).message).toContain('login:fail auth deny')
  })

  it('settles with timeout when qq.login never calls back', async () => {
    const call = watch(qqPlatform(fakeQq({ login: { kind: 'hang' } }).qq).login({ timeout: 400 }))
    await vi.advanceTimersByTimeAsync(400)
    expect(rejectionOf(call).code).toBe('timeout')
  })

  it('rejects unauthorized when qq.checkSession fails', async () => {
    const call = watch(qqPlatform(fakeQq({ session: { kind: 'expired' } }).qq).checkSession())
    await vi.advanceTimersByTimeAsync(0)
    expect(rejectionOf(call).code).toBe('session_expired')
  })

  it('resolves an HTTP 500 from qq.request, sending no per-call timeout (QQ has none)', async () => {
    const fake = fakeQq({ respond: () => ({ kind: 'answer', statusCode: 500, data: { error: 'upstream_unavailable' } }) })
    const call = watch(qqPlatform(fake.qq).request({ url: 'https://api.example.com/auth/login', method: 'POST', data: { code: 'c' } }))
    await vi.advanceTimersByTimeAsync(0)
    expect(valueOf(call)).toMatchObject({ statusCode: 500, data: { error: 'upstream_unavailable' } })
    expect(fake.requests[0]?.options).not.toHaveProperty('timeout')
  })

  it("bounds qq.request with the adapter's timeout and aborts the task", async () => {
    const fake = fakeQq({ respond: () => ({ kind: 'slow' }) })
    const call = watch(qqPlatform(fake.qq).request({ url: 'https://a.example/', timeout: 5_000 }))
    await vi.advanceTimersByTimeAsync(5_000)
    expect(rejectionOf(call).code).toBe('timeout')
    expect(fake.requests[0]?.aborted).toBe(true)
  })

  it('rejects network when qq.request fails for another reason', async () => {
    const call = watch(qqPlatform(fakeQq({ respond: () => ({ kind: 'unreachable' }) }).qq).request({ url: 'https://a.example/' }))
    await vi.advanceTimersByTimeAsync(0)
    expect(rejectionOf(call).code).toBe('network')
  })

  it("reads qq's empty string for a missing key as undefined and a full storage as storage_error", () => {
    const { storage } = qqPlatform(fakeQq({ storageBudgetBytes: 12 }).qq)
    expect(storage.get('session')).toBeUndefined()
    expect(() => storage.set('session', { token: 'abcdefgh' })).toThrow(expect.objectContaining({ code: 'storage_error' }))
  })
})
