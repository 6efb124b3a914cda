import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { baiduPlatform } from '../../src/platform/index.ts'
import { fakeSwan } from './fakes/fake-swan.ts'
import { rejectionOf, valueOf, watch } from './fakes/outcome.ts'

beforeEach(() => {
  vi.useFakeTimers()
})

afterEach(() => {
  vi.useRealTimers()
})

describe('baiduPlatform', () => {
  it('resolves the code of swan.login, handing it the timeout', async () => {
    const fake = fakeSwan()
    const call = watch(baiduPlatform(fake.swan).login({ timeout: 2_000 }))
    await vi.advanceTimersByTimeAsync(0)
    expect(valueOf(call)).toEqual({ code: 'swan-code-1' })
    expect(fake.loginCalls[0]?.timeout).toBe(2_000)
  })

  it('rejects wx_login_failed with errCode and errMsg when the user is not logged in to Baidu', async () => {
    const call = watch(baiduPlatform(fakeSwan({ loggedIn: false }).swan).login({ timeout: 2_000 }))
    await vi.advanceTimersByTimeAsync(0)
    const error = rejectionOf(call)
    expect(error.code).toBe('wx_login_failed')
    expect(error.message).toContain('user not login')
    expect(error.message).toContain('code 10004')
  })

  it('settles with timeout when a Web-form first login leaves the page and no callback runs', async () => {
    const call = watch(baiduPlatform(fakeSwan({ webFormFirstLogin: true }).swan).login({ timeout: 3_000 }))
    await vi.advanceTimersByTimeAsync(3_000)
    expect(rejectionOf(call).code).toBe('timeout')
  })

  it('rejects unauthorized when swan.checkSession fails', async () => {
    const call = watch(baiduPlatform(fakeSwan({ session: { kind: 'expired' } }).swan).checkSession())
    await vi.advanceTimersByTimeAsync(0)
    expect(rejectionOf(call).code).toBe('session_expired')
  })

  it('resolves an HTTP 401 from swan.request', async () => {
    const fake = fakeSwan({ respond: () => ({ kind: 'answer', statusCode: 401, data: { error: 'session_expired' } }) })
    const call = watch(baiduPlatform(fake.swan).request({ url: 'https://api.example.com/auth/session', method: 'POST' }))
    await vi.advanceTimersByTimeAsync(0)
    expect(valueOf(call)).toMatchObject({ statusCode: 401 })
    expect(fake.requests[0]?.options).not.toHaveProperty('timeout')
  })

  it("bounds swan.request, which has no timeout of its own, with the adapter's and aborts it", async () => {
    const fake = fakeSwan({ respond: () => ({ kind: 'slow' }) })
    const call = watch(baiduPlatform(fake.swan, { timeouts: { request: 1_200 } }).request({ url: 'https://a.example/' }))
    await vi.advanceTimersByTimeAsync(1_199)
    expect(call.now().settled).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    expect(rejectionOf(call).code).toBe('timeout')
    expect(fake.requests[0]?.aborted).toBe(true)
  })

  it('rejects network with the errCode when swan.request fails', async () => {
    const call = watch(baiduPlatform(fakeSwan({ respond: () => ({ kind: 'unreachable' }) }).swan).request({ url: 'https://a.example/' }))
    await vi.advanceTimersByTimeAsync(0)
    const error = rejectionOf(call)
    expect(error.code).toBe('network')
    expect(error.message).toContain('code 1001')
  })

  it('rejects invalid_request for an ArrayBuffer body, which swan.request cannot send', async () => {
    const fake = fakeSwan()
    const call = watch(baiduPlatform(fake.swan).request({ url: 'https://a.example/', method: 'POST', data: new ArrayBuffer(4) }))
    await vi.advanceTimersByTimeAsync(0)
    expect(rejectionOf(call).code).toBe('invalid_request')
    expect(fake.requests).toHaveLength(0)
  })

  it('reads a missing key as undefined and round-trips a value', () => {
    const { storage } = baiduPlatform(fakeSwan().swan)
    expect(storage.get('session')).toBeUndefined()
    storage.set('session', { token: 't' })
    expect(storage.get('session')).toEqual({ token: 't' })
  })
})
