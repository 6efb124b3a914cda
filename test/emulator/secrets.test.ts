import { afterEach, describe, expect, it } from 'vitest'
import { createSimulatedWx, sessionSignature } from '../../src/emulator/index.ts'
import { APP_ID, SECRET, code2Session, loginAs, makeEmulators, stableToken, validParams, wechatGet, wechatPost } from './support.ts'

const emulators = makeEmulators()
afterEach(() => emulators.closeAll())

describe('secrets stay out of logs, messages and answers', () => {
  it('never logs the AppSecret, a session_key or a login code', async () => {
    const lines: string[] = []
    const emulator = await emulators.start({ log: (line) => lines.push(line) })
    const wx = createSimulatedWx({ emulatorUrl: emulator.url })
    const { code } = await wx.login()
    const ok = await code2Session(emulator, validParams(code))
    await code2Session(emulator, validParams(code))
    await code2Session(emulator, { ...validParams(code), secret: `${SECRET}-wrong` })
    await wx.checkSession()

    const log = lines.join('\n')
    expect(lines.length).toBeGreaterThanOrEqual(5)
    expect(log).toContain('/sns/jscode2session')
    expect(log).not.toContain(SECRET)
    expect(log).not.toContain(String(ok.body.session_key))
    expect(log).not.toContain(code)
    expect(log).not.toContain('secret=')
  })

  it('never logs an access_token, a session_key, a signature, a phone code or a phone number, on any API', async () => {
    const lines: string[] = []
    const emulator = await emulators.start({ log: (line) => lines.push(line) })
    const sessionKey = await loginAs(emulator, 'oUser-log')
    const first = String((await stableToken(emulator)).body.access_token)
    const forced = String((await stableToken(emulator, { force_refresh: true })).body.access_token)
    await wechatPost(emulator, '/cgi-bin/stable_token', {}, { grant_type: 'client_credential', appid: APP_ID, secret: `${SECRET}-typo` })
    const phoneCode = await emulator.issuePhoneCode('oUser-log', '+852 61234567')
    const phone = await wechatPost(emulator, '/wxa/business/getuserphonenumber', { access_token: forced }, { code: phoneCode })
    await wechatPost(emulator, '/wxa/business/getuserphonenumber', { access_token: forced }, { code: phoneCode })
    const signed = { openid: 'oUser-log', signature: sessionSignature(sessionKey), sig_method: 'hmac_sha256' }
    await wechatGet(emulator, '/wxa/checksession', { access_token: forced, ...signed })
    const reset = await wechatGet(emulator, '/wxa/resetusersessionkey', { access_token: forced, ...signed })
    await wechatGet(emulator, '/wxa/checksession', { access_token: first, ...signed })
    emulator.expireAccessToken()
    await wechatGet(emulator, '/wxa/checksession', { access_token: forced, ...signed })

    const log = lines.join('\n')
    expect(phone.body.errcode).toBe(0)
    expect(reset.body.errcode).toBe(0)
    for (const path of ['/cgi-bin/stable_token', '/wxa/business/getuserphonenumber', '/wxa/checksession', '/wxa/resetusersessionkey']) {
      expect(log).toContain(path)
    }
    const secrets = [SECRET, first, forced, sessionKey, String(reset.body.session_key), signed.signature, phoneCode, '61234567', '+852']
    for (const secret of secrets) expect(log).not.toContain(secret)
    expect(log).not.toMatch(/access_token=|signature=|secret/)
  })

  it('does not echo a wrong secret, access_token or code in any errmsg', async () => {
    const emulator = await emulators.start()
    const wrongSecret = 'a-wrong-secret-someone-typed'
    const wrongToken = '86_someone-pasted-a-token-here-0123456789'

    const token = await wechatPost(
      emulator,
      '/cgi-bin/stable_token',
      {},
      { grant_type: 'client_credential', appid: APP_ID, secret: wrongSecret },
    )
    const phone = await wechatPost(emulator, '/wxa/business/getuserphonenumber', { access_token: wrongToken }, { code: 'c0de' })
    const check = await wechatGet(emulator, '/wxa/checksession', { access_token: wrongToken, openid: 'oUser-echo', signature: 'f00d' })

    expect(token.body.errcode).toBe(40125)
    expect(phone.body.errcode).toBe(40001)
    expect(check.body.errcode).toBe(40001)
    const answers = JSON.stringify([token.body, phone.body, check.body])
    for (const echoed of [wrongSecret, wrongToken, 'c0de', 'f00d']) expect(answers).not.toContain(echoed)
  })

  it('does not echo a wrong secret or the code in an errmsg', async () => {
    const emulator = await emulators.start()
    const code = await emulator.issueCode('oUser-echo')
    const wrongSecret = 'a-wrong-secret-someone-typed'

    const { body } = await code2Session(emulator, { ...validParams(code), secret: wrongSecret })

    expect(body.errcode).toBe(40125)
    expect(JSON.stringify(body)).not.toContain(wrongSecret)
    expect(JSON.stringify(body)).not.toContain(code)
  })

  it('keeps the secret off the emulator handle', async () => {
    const emulator = await emulators.start()

    expect(JSON.stringify(emulator)).not.toContain(SECRET)
    expect(Object.values(emulator)).not.toContain(SECRET)
  })

  it('keeps a bearer token out of wx.request fail messages', async () => {
    const emulator = await emulators.start()
    const wx = createSimulatedWx({ emulatorUrl: emulator.url })
    const token = 'session-token-that-must-not-leak'
    await emulator.close()

    const error = await new Promise<WechatMiniprogram.RequestFailCallbackErr>((resolve) => {
      wx.request({
        url: `${emulator.url}/auth/session?token=${token}`,
        method: 'POST',
        header: { Authorization: `Bearer ${token}` },
        fail: resolve,
      })
    })

    expect(error.errMsg).toMatch(/^request:fail /)
    expect(JSON.stringify(error)).not.toContain(token)
  })
})
