/**
 * `POST /auth/phone` against the shipped emulator's getuserphonenumber: the
 * session user's number answered and kept with the user, WeChat's refusals
 * in the contract's codes, and the number in no log line.
 */
import { describe, expect, it } from 'vitest'
import type { PhoneNumberHookInput } from '../../src/server/index.ts'
import { captureLogs } from './helpers/log-capture.ts'
import { bearer, useFixtures, type Fixture } from './helpers/server-fixture.ts'

const fixture = useFixtures()

function bindPhone(f: Fixture, token: string, code: string) {
  return f.app.inject({ method: 'POST', url: '/auth/phone', headers: bearer(token), payload: { code } })
}

describe('POST /auth/phone', () => {
  it("answers the session user's number and keeps it with the user", async () => {
    const f = await fixture()
    const { token, openid } = await f.login()
    const code = await f.wechat.issuePhoneCode(openid, '+86 13800138000')
    const response = await bindPhone(f, token, code)
    expect(response.statusCode).toBe(200)
    const phone = { phoneNumber: '13800138000', purePhoneNumber: '13800138000', countryCode: '86' }
    expect(response.json()).toEqual(phone)
    expect(response.headers['cache-control']).toBe('no-store')
    expect(await f.store.users.get(openid)).toMatchObject({ phone, phoneBoundAt: expect.any(Number) })
    expect(f.wechat.phoneNumberStats()).toMatchObject({ billed: 1, exchanged: 1 })
  })

  it('answers a foreign number as WeChat gives it: with its country code', async () => {
    const f = await fixture()
    const { token, openid } = await f.login()
    const response = await bindPhone(f, token, await f.wechat.issuePhoneCode(openid, '+852 61234567'))
    expect(response.json()).toEqual({ phoneNumber: '+85261234567', purePhoneNumber: '61234567', countryCode: '852' })
  })

  it('answers 400 invalid_phone_code for a used, unknown or expired code, and for a code of another user', async () => {
    const f = await fixture()
    const { token, openid } = await f.login()
    const code = await f.wechat.issuePhoneCode(openid, '13800138000')
    expect((await bindPhone(f, token, code)).statusCode).toBe(200)
    const used = await bindPhone(f, token, code)
    expect(used.statusCode).toBe(400)
    expect(used.json()).toEqual({ error: 'invalid_phone_code', message: expect.any(String) })
    expect((await bindPhone(f, token, 'f'.repeat(64))).json()).toMatchObject({ error: 'invalid_phone_code' })
    const someoneElses = await f.wechat.issuePhoneCode('oSomeoneElse', '13900139000')
    const stolen = await bindPhone(f, token, someoneElses)
    expect(stolen.json()).toMatchObject({ error: 'invalid_phone_code' })
    // The other user's number never reached this user.
    expect((await f.store.users.get(openid))?.phone?.purePhoneNumber).toBe('13800138000')
  })

  it('answers 429 rate_limited with Retry-After when WeChat says slow down, 503 when it is busy or gone', async () => {
    const f = await fixture()
    const { token, openid } = await f.login()
    const code = await f.wechat.issuePhoneCode(openid, '13800138000')
    f.wechat.faultsOf('getPhoneNumber').failNext(1, 45011)
    const limited = await bindPhone(f, token, code)
    expect(limited.statusCode).toBe(429)
    expect(limited.headers['retry-after']).toBe('60')
    expect(limited.json()).toMatchObject({ error: 'rate_limited' })
    f.wechat.faultsOf('getPhoneNumber').failNext(1, -1)
    expect((await bindPhone(f, token, code)).json()).toMatchObject({ error: 'upstream_unavailable' })
    f.wechat.faultsOf('getPhoneNumber').dropNext(1)
    expect((await bindPhone(f, token, code)).statusCode).toBe(503)
    f.wechat.faultsOf('getPhoneNumber').failNextWithStatus(1, 502)
    expect((await bindPhone(f, token, code)).statusCode).toBe(503)
    // None of those used the code up.
    expect((await bindPhone(f, token, code)).statusCode).toBe(200)
  })

  it('answers 503 when stable_token answers a lifetime past a day (9e12 s once made the token cache throw, a 500)', async () => {
    const f = await fixture()
    const { token, openid } = await f.login()
    const code = await f.wechat.issuePhoneCode(openid, '13800138000')
    for (const expiresIn of [9_007_199_254_740, 86_401]) {
      f.wechat.faultsOf('stableToken').answerNextRaw(1, JSON.stringify({ access_token: 'T'.repeat(40), expires_in: expiresIn }))
      const refused = await bindPhone(f, token, code)
      expect(refused.statusCode).toBe(503)
      expect(refused.json()).toMatchObject({ error: 'upstream_unavailable' })
    }
    // A day is still a lifetime to accept (WeChat then refuses this made-up token and the manager fetches a real one),
    // and the failures did not use the code up.
    f.wechat.faultsOf('stableToken').answerNextRaw(1, JSON.stringify({ access_token: 'T'.repeat(40), expires_in: 86_400 }))
    const accepted = await bindPhone(f, token, code)
    expect(accepted.statusCode).toBe(200)
    expect(accepted.json()).toMatchObject({ purePhoneNumber: '13800138000' })
  })

  it('still binds when the access_token expired meanwhile: one refresh, one retry', async () => {
    const f = await fixture()
    const { token, openid } = await f.login()
    expect((await bindPhone(f, token, await f.wechat.issuePhoneCode(openid, '13800138000'))).statusCode).toBe(200)
    f.wechat.expireAccessToken()
    expect((await bindPhone(f, token, await f.wechat.issuePhoneCode(openid, '13800138001'))).statusCode).toBe(200)
    expect(f.wechat.accessTokenStats()).toMatchObject({ issued: 2, forceRefreshes: 0 })
  })

  it('needs a session, and a { code } body', async () => {
    const f = await fixture()
    const { token } = await f.login()
    expect((await f.app.inject({ method: 'POST', url: '/auth/phone', payload: { code: 'abc' } })).statusCode).toBe(400)
    expect((await bindPhone(f, 'E'.repeat(43), 'abc')).json()).toMatchObject({ error: 'session_expired' })
    for (const payload of [{}, { code: 7 }, { code: '' }, { code: 'x'.repeat(200) }, { code: 'abc', phone: '1' }]) {
      const response = await f.app.inject({ method: 'POST', url: '/auth/phone', headers: bearer(token), payload })
      expect(response.json(), JSON.stringify(payload)).toMatchObject({ error: 'invalid_request' })
    }
    expect(f.wechat.stats().apis.getPhoneNumber.calls).toBe(0)
  })

  it("with onPhoneNumber, the number goes to the app's hook and not into the users table", async () => {
    const bound: PhoneNumberHookInput[] = []
    const f = await fixture({ onPhoneNumber: (input) => void bound.push(input) })
    const { token, openid } = await f.login()
    expect((await bindPhone(f, token, await f.wechat.issuePhoneCode(openid, '13800138000'))).statusCode).toBe(200)
    const userId = (await f.store.users.get(openid))?.userId
    expect(bound).toEqual([{ openid, userId, phone: { phoneNumber: '13800138000', purePhoneNumber: '13800138000', countryCode: '86' } }])
    expect((await f.store.users.get(openid))?.phone).toBeUndefined()
  })

  it('writes the number in no log line, at trace level, whatever the outcome', async () => {
    const logs = captureLogs()
    const f = await fixture({ logger: { level: 'trace', stream: logs.stream } })
    const { token, openid } = await f.login()
    const code = await f.wechat.issuePhoneCode(openid, '+86 13812345678')
    expect((await bindPhone(f, token, code)).statusCode).toBe(200)
    expect((await bindPhone(f, token, code)).statusCode).toBe(400)
    f.wechat.faultsOf('getPhoneNumber').failNext(1, 40013)
    expect((await bindPhone(f, token, await f.wechat.issuePhoneCode(openid, '+86 13812345678'))).statusCode).toBe(500)
    const text = logs.text()
    expect(text).toContain('phone number bound')
    expect(text).toContain('"errcode":40013')
    for (const secret of ['13812345678', code, token, f.secret, await f.app.wechatAccessToken()]) expect(text).not.toContain(secret)
  })
})
