import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { LoginError } from '../../src/contract/index.ts'
import { alipayPlatform } from '../../src/platform/index.ts'
import { fakeMy } from './fakes/fake-my.ts'
import { rejectionOf, valueOf, watch } from './fakes/outcome.ts'

beforeEach(() => {
  vi.useFakeTimers()
})

afterEach(() => {
  vi.useRealTimers()
})

describe('alipayPlatform: login', () => {
  it("hands my.getAuthCode's authCode on as the code, asking only for auth_base by default", async () => {
    const fake = fakeMy()
    const call = watch(alipayPlatform(fake.my).login({ timeout: 1_000 }))
    await vi.advanceTimersByTimeAsync(0)
    expect(valueOf(call)).toEqual({ code: 'ali-auth-1' })
    expect(fake.authCalls[0]?.scopes).toBe('auth_base')
  })

  it('rejects wx_login_failed with the Alipay error when the user refuses a wider scope', async () => {
    const fake = fakeMy({ grantsUserScope: false })
    const call = watch(alipayPlatform(fake.my, { scopes: 'auth_user' }).login({ timeout: 1_000 }))
    await vi.advanceTimersByTimeAsync(0)
    const error = rejectionOf(call)
    expect(error.code).toBe('wx_login_failed')
    expect(error.message).toContain('code 11')
  })

  it('settles with timeout when my.getAuthCode never calls back', async () => {
    const call = watch(alipayPlatform(fakeMy({ authHangs: true }).my).login({ timeout: 800 }))
    await vi.advanceTimersByTimeAsync(800)
    expect(rejectionOf(call).message).toBe('my.getAuthCode did not answer within 800 ms')
  })
})

describe('alipayPlatform: checkSession', () => {
  it('resolves by design: Alipay has no client-side session to check', async () => {
    await expect(alipayPlatform(fakeMy().my).checkSession()).resolves.toBeUndefined()
  })
})

describe('alipayPlatform: request', () => {
  it('sends headers (not header) and reads status and headers', async () => {
    const fake = fakeMy({
      respond: () => ({ kind: 'answer', statusCode: 200, data: { token: 't', expiresAt: 9 }, header: { 'x-id': '1' } }),
    })
    const call = watch(
      alipayPlatform(fake.my).request({
        url: 'https://api.example.com/auth/login',
        method: 'POST',
        data: { code: 'c' },
        header: { Authorization: 'Bearer x' },
      }),
    )
    await vi.advanceTimersByTimeAsync(0)
    expect(valueOf(call)).toEqual({ statusCode: 200, data: { token: 't', expiresAt: 9 }, header: { 'x-id': '1' } })
    expect(fake.requests[0]?.options).toMatchObject({ method: 'POST', headers: { Authorization: 'Bearer x' }, timeout: 10_000 })
    expect(fake.requests[0]?.options).not.toHaveProperty('header')
  })

  it.each([401, 429, 503])('resolves HTTP %s, which Alipay reports in fail as error 19', async (statusCode) => {
    const fake = fakeMy({
      respond: () => ({ kind: 'answer', statusCode, data: { error: 'rate_limited' }, header: { 'retry-after': '2' } }),
    })
    const call = watch(alipayPlatform(fake.my).request({ url: 'https://api.example.com/auth/login', method: 'POST' }))
    await vi.advanceTimersByTimeAsync(0)
    expect(valueOf(call)).toEqual({ statusCode, data: { error: 'rate_limited' }, header: { 'retry-after': '2' } })
  })

  it('rejects timeout for error 13, network for error 12', async () => {
    const slow = watch(
      alipayPlatform(fakeMy({ respond: () => ({ kind: 'slow' }) }).my).request({ url: 'https://a.example/', timeout: 30_000 }),
    )
    const down = watch(alipayPlatform(fakeMy({ respond: () => ({ kind: 'unreachable' }) }).my).request({ url: 'https://a.example/' }))
    await vi.advanceTimersByTimeAsync(30_000)
    expect(rejectionOf(slow).code).toBe('timeout')
    const error = rejectionOf(down)
    expect(error.code).toBe('network')
    expect(error.message).toContain('code 12')
  })

  it('rejects invalid_response for an answer Alipay could not decode (error 14)', async () => {
    const fake = fakeMy({ strictJson: true, respond: () => ({ kind: 'answer', statusCode: 200, data: '<html>gateway</html>' }) })
    const call = watch(alipayPlatform(fake.my).request({ url: 'https://a.example/' }))
    await vi.advanceTimersByTimeAsync(0)
    expect(rejectionOf(call).code).toBe('invalid_response')
  })

  it('aborts the task and rejects timeout when my.request never calls back', async () => {
    const fake = fakeMy({ respond: () => ({ kind: 'hang' }) })
    const call = watch(alipayPlatform(fake.my).request({ url: 'https://a.example/', timeout: 300 }))
    await vi.advanceTimersByTimeAsync(300)
    expect(rejectionOf(call).code).toBe('timeout')
    expect(fake.requests[0]?.aborted).toBe(true)
  })
})

describe('alipayPlatform: storage', () => {
  it('unwraps { data } and reads a missing key (data null) as undefined', () => {
    const { storage } = alipayPlatform(fakeMy().my)
    expect(storage.get('session')).toBeUndefined()
    storage.set('session', { token: 'abc', expiresAt: 1 })
    expect(storage.get('session')).toEqual({ token: 'abc', expiresAt: 1 })
    storage.remove('session')
    expect(storage.get('session')).toBeUndefined()
  })

  it('turns { success: false } from my.setStorageSync (storage full) into storage_error', () => {
    const { storage } = alipayPlatform(fakeMy({ storageBudgetBytes: 10 }).my)
    let caught: unknown
    try {
      storage.set('session', { token: 'a-very-secret-token' })
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(LoginError)
    expect((caught as LoginError).code).toBe('storage_error')
    expect((caught as LoginError).message).toContain('存储总大小达到上限')
    expect((caught as LoginError).message).not.toContain('a-very-secret-token')
  })
})
