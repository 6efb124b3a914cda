/**
 * The account routes that make WeChat calls for a logged-in user take the
 * login's limits, so one session cannot spend the app's WeChat quota:
 * `POST /auth/phone` (getuserphonenumber) counts per client address and per
 * user, `POST /auth/decrypt` counts per user when it must ask WeChat
 * (checksession) whether the key is stale. Past a limit: 429 `rate_limited`
 * with `Retry-After`, and WeChat is not called.
 */
import type { LightMyRequestResponse } from 'fastify'
import { describe, expect, it } from 'vitest'
import { bearer, useFixtures, type Fixture } from '../server/helpers/server-fixture.ts'

const fixture = useFixtures()

function expectRateLimited(response: LightMyRequestResponse): void {
  expect(response.statusCode).toBe(429)
  expect(response.json()).toEqual({ error: 'rate_limited', message: expect.any(String) })
  expect(Number(response.headers['retry-after'])).toBeGreaterThanOrEqual(1)
}

function bindPhone(f: Fixture, token: string, code: string, remoteAddress = '203.0.113.9') {
  return f.app.inject({ method: 'POST', url: '/auth/phone', remoteAddress, headers: bearer(token), payload: { code } })
}

const phoneCalls = (f: Fixture): number => f.wechat.stats().apis.getPhoneNumber.calls
const checkSessionCalls = (f: Fixture): number => f.wechat.stats().apis.checkSessionKey.calls

describe('WeChat-calling account routes under the login limits', () => {
  it('POST /auth/phone: past maxPerOpenid the user is refused before WeChat is called', async () => {
    const f = await fixture({ rateLimit: { max: 100, timeWindow: 60_000, maxPerOpenid: 3 } })
    const { token } = await f.login()
    // The login counted once; two bindings with codes WeChat refuses use the rest.
    for (let i = 0; i < 2; i++) expect((await bindPhone(f, token, 'f'.repeat(64))).statusCode).toBe(400)
    const calls = phoneCalls(f)
    expect(calls).toBe(2)
    for (let i = 0; i < 3; i++) expectRateLimited(await bindPhone(f, token, 'f'.repeat(64)))
    expect(phoneCalls(f)).toBe(calls)
    // Another user is not affected.
    const other = await f.login()
    expect((await bindPhone(f, other.token, await f.wechat.issuePhoneCode(other.openid, '13800138000'))).statusCode).toBe(200)
  })

  it('POST /auth/phone: past max per address the requests are refused before WeChat is called', async () => {
    const f = await fixture({ rateLimit: { max: 3, timeWindow: 60_000, maxPerOpenid: 100 } })
    const { token } = await f.login()
    const from = '198.51.100.77'
    for (let i = 0; i < 3; i++) expect((await bindPhone(f, token, 'f'.repeat(64), from)).statusCode).toBe(400)
    const calls = phoneCalls(f)
    expectRateLimited(await bindPhone(f, token, 'f'.repeat(64), from))
    expect(phoneCalls(f)).toBe(calls)
  })

  it('POST /auth/decrypt: the checksession calls of failed decryptions count per user; a decryption that works is never refused', async () => {
    const f = await fixture({ rateLimit: { max: 100, timeWindow: 60_000, maxPerOpenid: 3 } })
    const { token, openid } = await f.login()
    const foreign = await f.login()
    // Data of another user: undecryptable with this key, so WeChat is asked whether the key is stale.
    const notMine = f.wechat.encryptForUser(foreign.openid, { n: 1 })
    const decrypt = (payload: object) => f.app.inject({ method: 'POST', url: '/auth/decrypt', headers: bearer(token), payload })
    for (let i = 0; i < 2; i++) expect((await decrypt(notMine)).statusCode).toBe(400)
    const calls = checkSessionCalls(f)
    expect(calls).toBe(2)
    expectRateLimited(await decrypt(notMine))
    expect(checkSessionCalls(f)).toBe(calls)
    // Data for this user still decrypts: no WeChat call, nothing counted.
    const mine = await decrypt(f.wechat.encryptForUser(openid, { n: 2 }))
    expect(mine.statusCode).toBe(200)
    expect(mine.json()).toMatchObject({ data: { n: 2 } })
  })
})
