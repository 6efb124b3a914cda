/**
 * The login life cycle end to end: a mini-program on a simulated device, the
 * real developer server, the WeChat emulator, all over HTTP on 127.0.0.1.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { checkToken, ME_PATH, startBackend } from './support/backend.ts'
import { runCleanups } from './support/cleanup.ts'
import { launchApp, newDevice, tokenOf } from './support/mini-program.ts'

afterEach(async () => {
  vi.useRealTimers()
  await runCleanups()
})

type Backend = Awaited<ReturnType<typeof startBackend>>
type Snapshot = Awaited<ReturnType<ReturnType<typeof launchApp>['settled']>>

/**
 * The relaunch the life-cycle tests share: one launch logs a device in, `spoil`
 * makes its stored session stale in one way or another, the emulator's counts
 * start again, and the app launches a second time on the same device.
 */
async function relaunchAfter(backend: Backend, spoil: (device: ReturnType<typeof newDevice>, first: Snapshot) => unknown) {
  const where = { emulatorUrl: backend.emulator.url, baseUrl: backend.baseUrl }
  const device = newDevice()
  const first = await launchApp(where, device).settled()
  await spoil(device, first)
  backend.emulator.resetStats()
  const relaunched = launchApp(where, device)
  const newToken = tokenOf(await relaunched.settled())
  return { device, oldToken: tokenOf(first), newToken, relaunched }
}

describe('first launch', () => {
  it('calls wx.login and code2Session once, stores the token, and request() reaches an authenticated route as this user', async () => {
    const backend = await startBackend()
    const device = newDevice()
    const first = launchApp({ emulatorUrl: backend.emulator.url, baseUrl: backend.baseUrl }, device)

    const snapshot = await first.settled()
    const token = tokenOf(snapshot)
    expect(first.wx.sim.calls.login).toBe(1)
    expect(first.wx.sim.calls.checkSession).toBe(0)
    expect(backend.emulator.stats()).toMatchObject({ login: 1, code2Session: 1, code2SessionOk: 1, code2SessionErrors: {} })
    expect(first.stored()).toMatchObject({ token, expiresAt: snapshot.context.session?.expiresAt })

    expect(await checkToken(backend.baseUrl, token)).toEqual({
      status: 200,
      body: { expiresAt: snapshot.context.session?.expiresAt, expiresIn: expect.any(Number) },
    })
    const response = await first.auth.request({ url: ME_PATH })
    expect(response.statusCode).toBe(200)
    expect(response.data).toEqual({ openid: device.openid })
    // Still one login: request() used the session it had.
    expect(first.wx.sim.calls.login).toBe(1)
    expect(backend.emulator.stats().code2Session).toBe(1)
  })

  it('keeps two users apart: each device gets its own session and its own openid', async () => {
    const backend = await startBackend()
    const where = { emulatorUrl: backend.emulator.url, baseUrl: backend.baseUrl }
    const alice = launchApp(where, newDevice())
    const bob = launchApp(where, newDevice())
    const [aliceToken, bobToken] = [tokenOf(await alice.settled()), tokenOf(await bob.settled())]
    expect(aliceToken).not.toBe(bobToken)
    expect((await alice.auth.request({ url: ME_PATH })).data).toEqual({ openid: alice.wx.sim.openid })
    expect((await bob.auth.request({ url: ME_PATH })).data).toEqual({ openid: bob.wx.sim.openid })
  })
})

describe('relaunch', () => {
  it('with a valid session: no wx.login and no code2Session, only wx.checkSession and a server check', async () => {
    const backend = await startBackend()
    const where = { emulatorUrl: backend.emulator.url, baseUrl: backend.baseUrl }
    const device = newDevice()
    const token = tokenOf(await launchApp(where, device).settled())
    backend.emulator.resetStats()

    const relaunched = launchApp(where, device)
    expect(tokenOf(await relaunched.settled())).toBe(token)
    expect(relaunched.wx.sim.calls.login).toBe(0)
    expect(relaunched.wx.sim.calls.checkSession).toBe(1)
    expect(backend.emulator.stats()).toMatchObject({ login: 0, code2Session: 0, checkSession: 1 })
    expect((await relaunched.auth.request({ url: ME_PATH })).data).toEqual({ openid: device.openid })
    expect(relaunched.wx.sim.calls.login).toBe(0)
  })

  it("after WeChat's session expired (expireSession): logs in again and stores the new token", async () => {
    const backend = await startBackend()
    const { device, oldToken, newToken, relaunched } = await relaunchAfter(backend, (spoilt) =>
      backend.emulator.expireSession(spoilt.openid),
    )
    expect(newToken).not.toBe(oldToken)
    expect(relaunched.wx.sim.calls.checkSession).toBe(1)
    expect(relaunched.wx.sim.calls.login).toBe(1)
    expect(backend.emulator.stats()).toMatchObject({ login: 1, code2Session: 1, code2SessionOk: 1 })
    expect(backend.emulator.isSessionAlive(device.openid)).toBe(true)
    expect(relaunched.stored()).toMatchObject({ token: newToken })
    expect((await relaunched.auth.request({ url: ME_PATH })).data).toEqual({ openid: device.openid })
  })

  it('after the server forgot the session (deleted from its store): the server check says 401 and the app logs in again', async () => {
    const backend = await startBackend()
    const { oldToken, newToken, relaunched } = await relaunchAfter(backend, async (_device, first) => {
      expect(await backend.app.loginSessions.revoke(tokenOf(first))).toBe(true)
    })
    expect(newToken).not.toBe(oldToken)
    // WeChat's session was fine; the developer server's was not.
    expect(relaunched.wx.sim.calls.checkSession).toBe(1)
    expect(relaunched.wx.sim.calls.login).toBe(1)
    expect(backend.emulator.stats()).toMatchObject({ code2Session: 1, code2SessionOk: 1 })
    expect(relaunched.stored()).toMatchObject({ token: newToken })
    expect((await checkToken(backend.baseUrl, newToken)).status).toBe(200)
  })
})

describe('server-side expiry (sessionTtlMs passes; only Date is faked, timers stay real)', () => {
  const ttlMs = 60 * 60_000

  /** A Date that runs with real time until a test jumps it; installed before anything reads the clock. */
  function fakeDate(): void {
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true })
  }

  it('a running app logs in again on its next request(); the old token gets 401', async () => {
    fakeDate()
    const backend = await startBackend({ sessionTtlMs: ttlMs })
    const device = newDevice()
    const running = launchApp({ emulatorUrl: backend.emulator.url, baseUrl: backend.baseUrl }, device)
    const snapshot = await running.settled()
    const oldToken = tokenOf(snapshot)
    const expiresAt = snapshot.context.session?.expiresAt ?? 0
    expect(expiresAt).toBeGreaterThan(Date.now())

    // A second past expiry, not a millisecond: the client reads the server's clock from the login's
    // answer, so its estimate lags by that answer's travel time (a few ms on a loaded machine), and
    // it would still send the old token for those few ms, as it should.
    const afterExpiry = expiresAt + 1_000
    vi.setSystemTime(afterExpiry)

    expect(await checkToken(backend.baseUrl, oldToken)).toEqual({
      status: 401,
      body: { error: 'session_expired', message: expect.any(String) },
    })
    const response = await running.auth.request({ url: ME_PATH })
    expect(response.statusCode).toBe(200)
    expect(response.data).toEqual({ openid: device.openid })
    expect(running.wx.sim.calls.login).toBe(2)
    expect(backend.emulator.stats().code2SessionOk).toBe(2)
    const newToken = tokenOf(running.auth.getSnapshot())
    expect(newToken).not.toBe(oldToken)
    expect(running.auth.getSnapshot().context.session?.expiresAt).toBeGreaterThanOrEqual(afterExpiry + ttlMs)
    // The client saw the expiry itself, so the app route was never called with the dead token.
    expect(backend.hits.me).toBe(1)
  })

  it('a relaunch after the expiry goes straight to wx.login (no checkSession, no server check of a dead session)', async () => {
    fakeDate()
    const backend = await startBackend({ sessionTtlMs: ttlMs })
    const { oldToken, newToken, relaunched } = await relaunchAfter(backend, (_device, first) =>
      // A second past, beyond the lag of the client's server-clock estimate (see the test above).
      vi.setSystemTime((first.context.session?.expiresAt ?? 0) + 1_000),
    )
    expect(newToken).not.toBe(oldToken)
    expect(relaunched.wx.sim.calls.checkSession).toBe(0)
    expect(relaunched.wx.sim.calls.login).toBe(1)
    expect(backend.emulator.stats()).toMatchObject({ checkSession: 0, code2Session: 1 })
    expect((await checkToken(backend.baseUrl, newToken)).status).toBe(200)
  })
})

describe('refresh()', () => {
  it("notices WeChat's expiry in a running app and logs in again", async () => {
    const backend = await startBackend()
    const device = newDevice()
    const running = launchApp({ emulatorUrl: backend.emulator.url, baseUrl: backend.baseUrl }, device)
    const oldToken = tokenOf(await running.settled())
    backend.emulator.expireSession(device.openid)

    const session = await running.auth.refresh()
    expect(session.token).not.toBe(oldToken)
    expect(running.wx.sim.calls.checkSession).toBe(1)
    expect(running.wx.sim.calls.login).toBe(2)
    expect(running.stored()).toMatchObject({ token: session.token })
  })
})

describe('logout', () => {
  it('ends the session on the server (the old token gets 401), clears storage, and the next launch logs in', async () => {
    const backend = await startBackend()
    const where = { emulatorUrl: backend.emulator.url, baseUrl: backend.baseUrl }
    const device = newDevice()
    const running = launchApp(where, device)
    const token = tokenOf(await running.settled())
    const logoutErrors: unknown[] = []
    running.auth.on('logout_error', (event) => logoutErrors.push(event.error))

    await running.auth.logout()
    expect(running.auth.getSnapshot().value).toBe('idle')
    expect(running.stored()).toBeUndefined()
    expect(logoutErrors).toEqual([])
    expect(await checkToken(backend.baseUrl, token)).toEqual({
      status: 401,
      body: { error: 'session_expired', message: expect.any(String) },
    })
    const direct = await fetch(`${backend.baseUrl}${ME_PATH}`, { headers: { authorization: `Bearer ${token}` } })
    expect(direct.status).toBe(401)
    expect(await backend.app.loginSessions.find(token)).toBeUndefined()

    backend.emulator.resetStats()
    const relaunched = launchApp(where, device)
    const newToken = tokenOf(await relaunched.settled())
    expect(newToken).not.toBe(token)
    expect(relaunched.wx.sim.calls.login).toBe(1)
    expect(backend.emulator.stats().code2Session).toBe(1)
  })
})
