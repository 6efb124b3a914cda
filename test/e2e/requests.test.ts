/** `request()` and `ensureLogin()` under pressure: 401 replay and many callers at once. */
import { afterEach, describe, expect, it } from 'vitest'
import { LoginError } from '../../src/index.ts'
import { ALWAYS_401_PATH, checkToken, ME_PATH, startBackend } from './support/backend.ts'
import { runCleanups } from './support/cleanup.ts'
import { launchApp, newDevice, tokenOf } from './support/mini-program.ts'

afterEach(runCleanups)

describe('request() and a 401', () => {
  it('re-logs in once and replays the request when the server revoked the session', async () => {
    const backend = await startBackend()
    const device = newDevice()
    const app = launchApp({ emulatorUrl: backend.emulator.url, baseUrl: backend.baseUrl }, device)
    const oldToken = tokenOf(await app.settled())
    await backend.app.loginSessions.revoke(oldToken)

    const response = await app.auth.request({ url: ME_PATH })
    expect(response.statusCode).toBe(200)
    expect(response.data).toEqual({ openid: device.openid })
    expect(backend.hits.me).toBe(2)
    expect(app.wx.sim.calls.login).toBe(2)
    const newToken = tokenOf(app.auth.getSnapshot())
    expect(newToken).not.toBe(oldToken)
    expect(app.stored()).toMatchObject({ token: newToken })
    expect((await checkToken(backend.baseUrl, newToken)).status).toBe(200)
  })

  it('shares one re-login among ten requests that all got a 401', async () => {
    const backend = await startBackend()
    const device = newDevice()
    const app = launchApp({ emulatorUrl: backend.emulator.url, baseUrl: backend.baseUrl }, device)
    await app.settled()
    await backend.app.loginSessions.revokeAll(device.openid)
    backend.emulator.resetStats()

    const responses = await Promise.all(Array.from({ length: 10 }, () => app.auth.request({ url: ME_PATH })))
    expect(responses.map((response) => response.statusCode)).toEqual(Array(10).fill(200))
    expect(responses.every((response) => (response.data as { openid?: string }).openid === device.openid)).toBe(true)
    expect(app.wx.sim.calls.login).toBe(2)
    expect(backend.emulator.stats()).toMatchObject({ login: 1, code2Session: 1 })
  })

  it('rejects with unauthorized after exactly one replay when the route keeps answering 401', async () => {
    const backend = await startBackend()
    const app = launchApp({ emulatorUrl: backend.emulator.url, baseUrl: backend.baseUrl }, newDevice())
    await app.settled()

    const outcome = await app.auth.request({ url: ALWAYS_401_PATH }).then(
      () => 'resolved',
      (error: unknown) => error,
    )
    expect(outcome).toBeInstanceOf(LoginError)
    expect((outcome as LoginError).code).toBe('unauthorized')
    expect(backend.hits.always401).toBe(2)
    expect(app.wx.sim.calls.login).toBe(2)
    // The fresh session itself is fine; only that route refuses it.
    expect(app.auth.getSnapshot().value).toBe('authenticated')
    expect((await app.auth.request({ url: ME_PATH })).statusCode).toBe(200)
  })
})

describe('many callers at once', () => {
  it('50 concurrent ensureLogin() on an app that was not started: one wx.login, one code2Session, one session', async () => {
    const backend = await startBackend()
    const app = launchApp({ emulatorUrl: backend.emulator.url, baseUrl: backend.baseUrl }, newDevice(), { startOnLaunch: false })
    expect(app.auth.getSnapshot().value).toBe('idle')

    const sessions = await Promise.all(Array.from({ length: 50 }, () => app.auth.ensureLogin()))
    expect(new Set(sessions.map((session) => session.token)).size).toBe(1)
    expect(app.wx.sim.calls.login).toBe(1)
    expect(backend.emulator.stats()).toMatchObject({ login: 1, code2Session: 1, code2SessionOk: 1 })
    expect((await checkToken(backend.baseUrl, sessions[0]?.token ?? '')).status).toBe(200)
  })

  it('50 concurrent ensureLogin() and request() while the launch flow runs join that flow', async () => {
    const backend = await startBackend()
    const device = newDevice()
    const app = launchApp({ emulatorUrl: backend.emulator.url, baseUrl: backend.baseUrl }, device)
    expect(app.auth.getSnapshot().value).not.toBe('idle')

    const [sessions, responses] = await Promise.all([
      Promise.all(Array.from({ length: 50 }, () => app.auth.ensureLogin())),
      Promise.all(Array.from({ length: 50 }, () => app.auth.request({ url: ME_PATH }))),
    ])
    expect(new Set(sessions.map((session) => session.token)).size).toBe(1)
    expect(responses.every((response) => response.statusCode === 200)).toBe(true)
    expect(app.wx.sim.calls.login).toBe(1)
    expect(backend.emulator.stats()).toMatchObject({ login: 1, code2Session: 1 })
    expect(backend.hits.me).toBe(50)
  })
})
