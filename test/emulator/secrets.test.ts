import { afterEach, describe, expect, it } from 'vitest'
import { createSimulatedWx } from '../../src/emulator/index.ts'
import { SECRET, code2Session, makeEmulators, validParams } from './support.ts'

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
