import type * as TT from '@douyin-microapp/typings/types/api.js'
import { afterEach, beforeEach, describe, expect, expectTypeOf, it, vi } from 'vitest'
import { bytedancePlatform, type BytedanceApi } from '../../src/platform/index.ts'
import { fakeTt } from './fakes/fake-tt.ts'
import { rejectionOf, valueOf, watch } from './fakes/outcome.ts'

// Compile-time: the published `tt` typings fit what the adapter asks for.
expectTypeOf<typeof TT>().toExtend<BytedanceApi>()

beforeEach(() => {
  vi.useFakeTimers()
})

afterEach(() => {
  vi.useRealTimers()
})

describe('bytedancePlatform', () => {
  it('resolves the code of a user logged in to the host app', async () => {
    const fake = fakeTt()
    const call = watch(bytedancePlatform(fake.tt).login({ timeout: 1_000 }))
    await vi.advanceTimersByTimeAsync(0)
    expect(valueOf(call)).toEqual({ code: 'tt-code-1' })
  })

  it('rejects wx_login_failed for a user not logged in when force is false (tt answers only an anonymousCode)', async () => {
    const fake = fakeTt({ hostLoggedIn: false })
    const call = watch(bytedancePlatform(fake.tt, { force: false }).login({ timeout: 1_000 }))
    await vi.advanceTimersByTimeAsync(0)
    expect(fake.loginCalls[0]?.force).toBe(false)
    const error = rejectionOf(call)
    expect(error.code).toBe('wx_login_failed')
    expect(error.message).toContain('login:ok')
  })

  it("leaves force to tt's default when not given, and rejects wx_login_failed when the user cancels the host login", async () => {
    const fake = fakeTt({ hostLoggedIn: false, acceptsHostLogin: false })
    const call = watch(bytedancePlatform(fake.tt).login({ timeout: 1_000 }))
    await vi.advanceTimersByTimeAsync(0)
    expect(fake.loginCalls[0]).not.toHaveProperty('force')
    const error = rejectionOf(call)
    expect(error.code).toBe('wx_login_failed')
    expect(error.message).toContain('login:fail host login fail')
  })

  it('resolves the code once the user completes the host login', async () => {
    const fake = fakeTt({ hostLoggedIn: false, acceptsHostLogin: true })
    const call = watch(bytedancePlatform(fake.tt).login({ timeout: 1_000 }))
    await vi.advanceTimersByTimeAsync(0)
    expect(valueOf(call)).toEqual({ code: 'tt-code-1' })
  })

  it('rejects unauthorized when tt.checkSession fails', async () => {
    const call = watch(bytedancePlatform(fakeTt({ session: { kind: 'expired' } }).tt).checkSession())
    await vi.advanceTimersByTimeAsync(0)
    expect(rejectionOf(call).code).toBe('session_expired')
  })

  it('resolves an HTTP 401 from tt.request and passes the timeout on', async () => {
    const fake = fakeTt({ respond: () => ({ kind: 'answer', statusCode: 401, data: { error: 'session_expired' } }) })
    const call = watch(bytedancePlatform(fake.tt).request({ url: 'https://api.example.com/auth/session', method: 'POST', timeout: 3_000 }))
    await vi.advanceTimersByTimeAsync(0)
    expect(valueOf(call)).toMatchObject({ statusCode: 401, data: { error: 'session_expired' } })
    expect(fake.requests[0]?.options.timeout).toBe(3_000)
  })

  it('rejects timeout for request:fail timeout and network for other failures', async () => {
    const slow = watch(
      bytedancePlatform(fakeTt({ respond: () => ({ kind: 'slow' }) }).tt).request({ url: 'https://a.example/', timeout: 60_000 }),
    )
    const down = watch(bytedancePlatform(fakeTt({ respond: () => ({ kind: 'unreachable' }) }).tt).request({ url: 'https://a.example/' }))
    await vi.advanceTimersByTimeAsync(60_000)
    expect(rejectionOf(slow).code).toBe('timeout')
    expect(rejectionOf(down).code).toBe('network')
    expect(rejectionOf(down).message).toContain('request:fail network error')
  })

  it('rejects invalid_request for a method tt.request does not know, without sending it', async () => {
    const fake = fakeTt()
    const call = watch(bytedancePlatform(fake.tt).request({ url: 'https://a.example/', method: 'TRACE' }))
    await vi.advanceTimersByTimeAsync(0)
    expect(rejectionOf(call).code).toBe('invalid_request')
    expect(fake.requests).toHaveLength(0)
  })

  it("reads tt's empty string for a missing key as undefined and turns a full storage into storage_error", () => {
    const { storage } = bytedancePlatform(fakeTt({ storageBudgetBytes: 20 }).tt)
    expect(storage.get('session')).toBeUndefined()
    storage.set('k', 1)
    expect(storage.get('k')).toBe(1)
    expect(() => storage.set('session', { token: 'a-long-session-token' })).toThrow(expect.objectContaining({ code: 'storage_error' }))
  })
})
