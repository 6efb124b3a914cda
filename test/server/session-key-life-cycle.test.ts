/**
 * session_key's life cycle against the shipped emulator (which rotates the
 * key at every login, and on `rotateSessionKey`, as WeChat's data pre-fetch
 * does): every session of a user decrypts with the newest key, a stale key is
 * detected with checksession and answered 409, `POST /auth/session-key`
 * refreshes it without touching the session, and `checkSessionKey` /
 * `resetSessionKey` serve the app's own routes.
 */
import { describe, expect, it } from 'vitest'
import { isHttpError } from '../../src/server/index.ts'
import { bearer, useFixtures, type Fixture } from './helpers/server-fixture.ts'

const fixture = useFixtures()

function decrypt(f: Fixture, token: string, openid: string) {
  const data = f.wechat.encryptForUser(openid, { purpose: 'test', n: 1 })
  return f.app.inject({ method: 'POST', url: '/auth/decrypt', headers: bearer(token), payload: data })
}

async function refresh(f: Fixture, token: string, code: string) {
  return f.app.inject({ method: 'POST', url: '/auth/session-key', headers: bearer(token), payload: { code } })
}

describe("the user's newest session_key", () => {
  it('is what every session of the user decrypts with: a login on a second device does not break the first', async () => {
    const f = await fixture()
    const phone = await f.login()
    const tablet = await f.login(phone.openid)
    // The second login rotated the user's key at WeChat; data is encrypted with the new one.
    expect((await decrypt(f, phone.token, phone.openid)).statusCode).toBe(200)
    expect((await decrypt(f, tablet.token, phone.openid)).statusCode).toBe(200)
    expect(await f.store.users.sessionKeyOf(phone.openid)).toBe(f.wechat.sessionKeyOf(phone.openid))
  })
})

describe('a login slow to write, and a refresh meanwhile', () => {
  it("keeps the refresh's key: the later of the two at WeChat, though the login writes last", async () => {
    let slow = false
    let entered: () => void = () => {}
    const inOnLogin = new Promise<void>((resolve) => (entered = resolve))
    let release: () => void = () => {}
    const gate = new Promise<void>((resolve) => (release = resolve))
    const f = await fixture({
      onLogin: async ({ openid }) => {
        if (slow) {
          entered()
          await gate
        }
        return { userId: `app-${openid}` }
      },
    })
    const { token, openid } = await f.login()
    slow = true
    // code2Session answers this login with a new key, then onLogin takes its time.
    const slowLogin = f.app.inject({ method: 'POST', url: '/auth/login', payload: { code: await f.wechat.issueCode(openid) } })
    await inOnLogin
    slow = false
    // A later millisecond for certain: keys handed out in the same one are told apart by the write order only.
    await new Promise((resolve) => setTimeout(resolve, 5))
    // Meanwhile the app refreshes the key with a newer wx.login: WeChat's current key is now this one.
    expect((await refresh(f, token, await f.wechat.issueCode(openid))).statusCode).toBe(204)
    release()
    expect((await slowLogin).statusCode).toBe(200)
    expect(await f.store.users.sessionKeyOf(openid)).toBe(f.wechat.sessionKeyOf(openid))
    expect((await decrypt(f, token, openid)).statusCode).toBe(200)
  })
})

describe('a stale session_key', () => {
  it('is detected with checksession and answered 409 session_key_stale; a refresh makes decryption work again', async () => {
    const f = await fixture()
    const { token, openid } = await f.login()
    // WeChat's data pre-fetch: a new key the server never saw.
    f.wechat.rotateSessionKey(openid)
    f.wechat.resetStats()
    const stale = await decrypt(f, token, openid)
    expect(stale.statusCode).toBe(409)
    expect(stale.json()).toEqual({ error: 'session_key_stale', message: expect.any(String) })
    expect(f.wechat.stats().apis.checkSessionKey).toMatchObject({ calls: 1, errors: { '87009': 1 } })

    const before = await f.app.loginSessions.find(token)
    const answer = await refresh(f, token, await f.wechat.issueCode(openid))
    expect(answer.statusCode).toBe(204)
    expect(answer.body).toBe('')
    expect((await decrypt(f, token, openid)).statusCode).toBe(200)
    // The session itself did not change: same token, expiry, user.
    const after = await f.app.loginSessions.find(token)
    expect(after).toEqual({ ...before, sessionKey: f.wechat.sessionKeyOf(openid) })
    expect(after?.userId).toBe(before?.userId)
  })

  it('is checked with WeChat once a minute per key at most, however many bad payloads arrive', async () => {
    const f = await fixture()
    const { token, openid } = await f.login()
    f.wechat.rotateSessionKey(openid)
    f.wechat.resetStats()
    for (let i = 0; i < 5; i += 1) expect((await decrypt(f, token, openid)).statusCode).toBe(409)
    expect(f.wechat.stats().apis.checkSessionKey.calls).toBe(1)
  })

  it('is detected at once even right after WeChat called the same key current', async () => {
    const f = await fixture()
    const { token, openid } = await f.login()
    const foreign = await f.login()
    // Data of another user: the key is current, the data is not for it.
    const notMine = f.wechat.encryptForUser(foreign.openid, { n: 1 })
    expect((await f.app.inject({ method: 'POST', url: '/auth/decrypt', headers: bearer(token), payload: notMine })).statusCode).toBe(400)
    f.wechat.rotateSessionKey(openid)
    expect((await decrypt(f, token, openid)).statusCode).toBe(409)
  })

  it('answers 503 when WeChat cannot say whether the key is stale', async () => {
    const f = await fixture()
    const { token, openid } = await f.login()
    f.wechat.rotateSessionKey(openid)
    f.wechat.faultsOf('checkSessionKey').failNext(1, -1)
    expect((await decrypt(f, token, openid)).json()).toMatchObject({ error: 'upstream_unavailable' })
    expect((await decrypt(f, token, openid)).statusCode).toBe(409)
  })
})

describe('POST /auth/session-key', () => {
  it("refuses a code of another WeChat user (403 user_mismatch) and keeps the user's key", async () => {
    const f = await fixture()
    const { token, openid } = await f.login()
    const keyBefore = await f.store.users.sessionKeyOf(openid)
    const someoneElse = await f.wechat.issueCode('oSomeoneElseEntirely')
    const answer = await refresh(f, token, someoneElse)
    expect(answer.statusCode).toBe(403)
    expect(answer.json()).toEqual({ error: 'user_mismatch', message: expect.any(String) })
    expect(await f.store.users.sessionKeyOf(openid)).toBe(keyBefore)
    expect(await f.store.users.sessionKeyOf('oSomeoneElseEntirely')).toBeUndefined()
  })

  it("answers code2Session's refusals like a login does, and needs a session", async () => {
    const f = await fixture()
    const { token, openid } = await f.login()
    const code = await f.wechat.issueCode(openid)
    expect((await refresh(f, token, code)).statusCode).toBe(204)
    expect((await refresh(f, token, code)).json()).toMatchObject({ error: 'code_used' })
    expect((await refresh(f, token, 'never-issued-code')).json()).toMatchObject({ error: 'invalid_code' })
    expect((await refresh(f, 'F'.repeat(43), await f.wechat.issueCode(openid))).json()).toMatchObject({ error: 'session_expired' })
    expect((await f.app.inject({ method: 'POST', url: '/auth/session-key', payload: { code } })).statusCode).toBe(400)
  })

  it('counts toward the login rate limit of the user', async () => {
    const f = await fixture({ rateLimit: { max: 100, timeWindow: 60_000, maxPerOpenid: 2 } })
    const { token, openid } = await f.login()
    expect((await refresh(f, token, await f.wechat.issueCode(openid))).statusCode).toBe(204)
    const limited = await refresh(f, token, await f.wechat.issueCode(openid))
    expect(limited.statusCode).toBe(429)
    expect(limited.headers['retry-after']).toBeDefined()
  })
})

describe('checkSessionKey and resetSessionKey for your own routes', () => {
  it('check answers true for the stored key, false once WeChat moved on; reset replaces it at WeChat and here', async () => {
    const f = await fixture()
    const { token, openid } = await f.login()
    expect(await f.app.checkSessionKey(openid)).toBe(true)
    const before = f.wechat.sessionKeyOf(openid)
    await f.app.resetSessionKey(openid)
    const after = f.wechat.sessionKeyOf(openid)
    expect(after).not.toBe(before)
    expect(await f.store.users.sessionKeyOf(openid)).toBe(after)
    expect(await f.app.checkSessionKey(openid)).toBe(true)
    expect((await decrypt(f, token, openid)).statusCode).toBe(200)

    f.wechat.rotateSessionKey(openid)
    expect(await f.app.checkSessionKey(openid)).toBe(false)
    const refused = await f.app.resetSessionKey(openid).then(
      () => undefined,
      (error: unknown) => error,
    )
    expect(isHttpError(refused) && { status: refused.statusCode, error: refused.error }).toEqual({
      status: 409,
      error: 'session_key_stale',
    })
    expect(await f.app.checkSessionKey('oNeverLoggedIn')).toBe(false)
  })

  it('are what an app route of your own calls, with the session of the request', async () => {
    const f = await fixture({}, {}, (app) => {
      app.get('/my/key-status', { preHandler: app.authenticate }, async (request) => ({
        current: await app.checkSessionKey(request.loginSession?.openid ?? ''),
      }))
    })
    const { token, openid } = await f.login()
    const ask = async () => (await f.app.inject({ method: 'GET', url: '/my/key-status', headers: bearer(token) })).json()
    expect(await ask()).toEqual({ current: true })
    f.wechat.rotateSessionKey(openid)
    expect(await ask()).toEqual({ current: false })
    // WeChat busy: the route answers WeChat's failure with its status, whatever the app's error handler.
    f.wechat.faultsOf('checkSessionKey').failNext(1, -1)
    expect((await f.app.inject({ method: 'GET', url: '/my/key-status', headers: bearer(token) })).statusCode).toBe(503)
  })
})
