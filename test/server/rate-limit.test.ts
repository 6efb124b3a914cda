import { afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_LOGIN_RATE_LIMIT } from '../../src/server/index.ts'
import { bearer, login, newUser, startFixture } from './helpers/server-fixture.ts'
import type { Fixture } from './helpers/server-fixture.ts'

let fixture: Fixture | undefined

afterEach(async () => {
  await fixture?.close()
  fixture = undefined
})

async function loginFrom(f: Fixture, remoteAddress: string) {
  return f.app.inject({ method: 'POST', url: '/auth/login', remoteAddress, payload: { code: await f.wechat.codeFor(newUser()) } })
}

describe('login rate limit', () => {
  it('is on by default at 60 per minute per address and 20 per minute per openid', () => {
    expect(DEFAULT_LOGIN_RATE_LIMIT).toEqual({ max: 60, timeWindow: '1 minute', maxPerOpenid: 20 })
  })

  it('answers 429 rate_limited with Retry-After once an address exceeds the limit', async () => {
    fixture = await startFixture({ rateLimit: { max: 2, timeWindow: 60_000 } })
    expect((await loginFrom(fixture, '203.0.113.7')).statusCode).toBe(200)
    expect((await loginFrom(fixture, '203.0.113.7')).statusCode).toBe(200)
    const before = fixture.wechat.stats().code2Session
    const limited = await loginFrom(fixture, '203.0.113.7')
    expect(limited.statusCode).toBe(429)
    expect(limited.json()).toEqual({ error: 'rate_limited', message: expect.any(String) })
    const retryAfter = Number(limited.headers['retry-after'])
    expect(retryAfter).toBeGreaterThan(0)
    expect(retryAfter).toBeLessThanOrEqual(60)
    expect(fixture.wechat.stats().code2Session).toBe(before)
  })

  it('counts each client address separately', async () => {
    fixture = await startFixture({ rateLimit: { max: 1, timeWindow: 60_000 } })
    expect((await loginFrom(fixture, '203.0.113.8')).statusCode).toBe(200)
    expect((await loginFrom(fixture, '203.0.113.8')).statusCode).toBe(429)
    expect((await loginFrom(fixture, '203.0.113.9')).statusCode).toBe(200)
  })

  it('behind a trusted proxy, counts the forwarded client address', async () => {
    fixture = await startFixture({ rateLimit: { max: 1, timeWindow: 60_000 }, trustProxy: '10.0.0.1' })
    const from = async (client: string) =>
      fixture!.app.inject({
        method: 'POST',
        url: '/auth/login',
        remoteAddress: '10.0.0.1',
        headers: { 'x-forwarded-for': client },
        payload: { code: await fixture!.wechat.codeFor(newUser()) },
      })
    expect((await from('198.51.100.1')).statusCode).toBe(200)
    expect((await from('198.51.100.2')).statusCode).toBe(200)
    expect((await from('198.51.100.1')).statusCode).toBe(429)
  })

  it('limits only /auth/login', async () => {
    fixture = await startFixture({ rateLimit: { max: 1, timeWindow: 60_000 } })
    const { token } = await login(fixture, newUser())
    for (let i = 0; i < 5; i += 1) {
      const check = await fixture.app.inject({ method: 'POST', url: '/auth/session', headers: bearer(token) })
      expect(check.statusCode).toBe(200)
    }
  })

  it('can be turned off', async () => {
    fixture = await startFixture({ rateLimit: false })
    for (let i = 0; i < 70; i += 1) expect((await loginFrom(fixture, '203.0.113.10')).statusCode).toBe(200)
  })

  it('rejects a nonsensical configuration', async () => {
    await expect(startFixture({ rateLimit: { max: 0, timeWindow: 1000 } })).rejects.toBeInstanceOf(RangeError)
    await expect(startFixture({ rateLimit: { max: 5, timeWindow: '' } })).rejects.toBeInstanceOf(RangeError)
    await expect(startFixture({ rateLimit: { max: 5, timeWindow: 'soon' } })).rejects.toBeInstanceOf(RangeError)
    await expect(startFixture({ rateLimit: { max: 5, timeWindow: 1000, maxPerOpenid: 0 } })).rejects.toBeInstanceOf(RangeError)
  })
})
