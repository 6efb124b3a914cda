/** WeChat saying no, end to end: a used code, a high-risk user, WeChat busy. */
import { afterEach, describe, expect, it } from 'vitest'
import { LoginError } from '../../src/index.ts'
import { APP_SECRET, checkToken, ME_PATH, startBackend } from './support/backend.ts'
import { runCleanups } from './support/cleanup.ts'
import { launchApp, newDevice, tokenOf } from './support/mini-program.ts'

afterEach(runCleanups)

describe('a code WeChat says was already used (errcode 40163)', () => {
  it('sends the app back to wx.login exactly once, and the fresh code succeeds', async () => {
    const backend = await startBackend()
    backend.emulator.failNext(1, 40163)
    const device = newDevice()
    const app = launchApp({ emulatorUrl: backend.emulator.url, baseUrl: backend.baseUrl }, device)

    const token = tokenOf(await app.settled())
    expect(app.wx.sim.calls.login).toBe(2)
    expect(backend.emulator.stats()).toMatchObject({ login: 2, code2Session: 2, code2SessionOk: 1, code2SessionErrors: { '40163': 1 } })
    expect(app.stored()).toMatchObject({ token })
    expect((await app.auth.request({ url: ME_PATH })).data).toEqual({ openid: device.openid })
  })

  it('gives up with code_used when the fresh code is refused too (no loop of wx.login calls)', async () => {
    const backend = await startBackend()
    backend.emulator.failNext(2, 40163)
    const app = launchApp({ emulatorUrl: backend.emulator.url, baseUrl: backend.baseUrl }, newDevice())

    const snapshot = await app.settled()
    expect(snapshot.value).toBe('failed')
    expect(snapshot.context.error).toBeInstanceOf(LoginError)
    expect(snapshot.context.error?.code).toBe('code_used')
    expect(app.wx.sim.calls.login).toBe(2)
    expect(backend.emulator.stats().code2Session).toBe(2)
    expect(app.stored()).toBeUndefined()
  })
})

describe('a high-risk user (errcode 40226)', () => {
  it('fails at once with high_risk_user: one wx.login, one code2Session, no retry, nothing stored', async () => {
    const backend = await startBackend()
    const device = newDevice()
    backend.emulator.setHighRisk(device.openid, true)
    const app = launchApp({ emulatorUrl: backend.emulator.url, baseUrl: backend.baseUrl }, device)

    const snapshot = await app.settled()
    expect(snapshot.value).toBe('failed')
    const error = snapshot.context.error
    expect(error).toBeInstanceOf(LoginError)
    expect(error?.code).toBe('high_risk_user')
    expect(error?.transient).toBe(false)
    expect(app.wx.sim.calls.login).toBe(1)
    expect(backend.emulator.stats()).toMatchObject({ code2Session: 1, code2SessionOk: 0, code2SessionErrors: { '40226': 1 } })
    expect(app.stored()).toBeUndefined()
    expect(JSON.stringify(error)).not.toContain(APP_SECRET)

    // Once WeChat lets the user in again, the app's next ensureLogin() succeeds.
    backend.emulator.setHighRisk(device.openid, false)
    const session = await app.auth.ensureLogin()
    expect((await checkToken(backend.baseUrl, session.token)).status).toBe(200)
    expect(app.wx.sim.calls.login).toBe(2)
  })
})

describe('WeChat busy (errcode -1)', () => {
  it('once: the server retries code2Session itself, and the app sees a plain login', async () => {
    const backend = await startBackend()
    backend.emulator.failNext(1, -1)
    const app = launchApp({ emulatorUrl: backend.emulator.url, baseUrl: backend.baseUrl }, newDevice())

    tokenOf(await app.settled())
    expect(app.wx.sim.calls.login).toBe(1)
    expect(backend.emulator.stats()).toMatchObject({ code2Session: 2, code2SessionOk: 1, code2SessionErrors: { '-1': 1 } })
  })

  it('longer than the server retries: the server answers 503, the app retries the same code after a backoff and recovers', async () => {
    const backend = await startBackend({ code2SessionRetries: 0 })
    backend.emulator.failNext(2, -1)
    const app = launchApp({ emulatorUrl: backend.emulator.url, baseUrl: backend.baseUrl }, newDevice())

    tokenOf(await app.settled())
    // The code survives a -1 (WeChat did not use it), so no second wx.login was needed.
    expect(app.wx.sim.calls.login).toBe(1)
    expect(backend.emulator.stats()).toMatchObject({ code2Session: 3, code2SessionOk: 1, code2SessionErrors: { '-1': 2 } })
  })

  it('longer than the app retries too: failed with a transient server_error, and the next ensureLogin() recovers', async () => {
    const backend = await startBackend({ code2SessionRetries: 0 })
    backend.emulator.failNext(3, -1)
    const app = launchApp({ emulatorUrl: backend.emulator.url, baseUrl: backend.baseUrl }, newDevice())

    const snapshot = await app.settled()
    expect(snapshot.value).toBe('failed')
    expect(snapshot.context.error?.code).toBe('server_error')
    expect(snapshot.context.error?.transient).toBe(true)
    expect(backend.emulator.stats()).toMatchObject({ code2Session: 3, code2SessionOk: 0 })

    const session = await app.auth.ensureLogin()
    expect((await checkToken(backend.baseUrl, session.token)).status).toBe(200)
    expect(backend.emulator.stats()).toMatchObject({ code2Session: 4, code2SessionOk: 1 })
  })
})
