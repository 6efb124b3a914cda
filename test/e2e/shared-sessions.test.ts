/** Sessions that outlive one server process: SQLite across a restart, Redis across instances. */
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createSqliteStore } from '../../src/server/index.ts'
import { createRedisStore } from '../../src/server/redis/index.ts'
import { checkToken, ME_PATH, startApiServer, startEmulator } from './support/backend.ts'
import { runCleanups } from './support/cleanup.ts'
import { launchApp, newDevice, tokenOf } from './support/mini-program.ts'
import { keysUnder, REDIS_URL } from '../support/redis/index.ts'
import { redisPrefixForTest } from './support/cleanup.ts'
import { tmpDirForTest } from './support/tmp-dir.ts'

afterEach(runCleanups)

describe('a server restart with the SQLite store', () => {
  it('keeps the session: after the restart the relaunched app needs no login', async () => {
    const path = join(tmpDirForTest('sqlite-restart'), 'sessions.db')
    const emulator = await startEmulator()
    const device = newDevice()

    const before = await startApiServer(emulator, { store: createSqliteStore({ path, sweepIntervalMs: false }) })
    const first = launchApp({ emulatorUrl: emulator.url, baseUrl: before.baseUrl }, device)
    const snapshot = await first.settled()
    const token = tokenOf(snapshot)
    first.auth.stop()
    await before.close()
    expect(before.app.server.listening).toBe(false)
    emulator.resetStats()

    const after = await startApiServer(emulator, { store: createSqliteStore({ path, sweepIntervalMs: false }) })
    expect(await checkToken(after.baseUrl, token)).toEqual({
      status: 200,
      body: { expiresAt: snapshot.context.session?.expiresAt, expiresIn: expect.any(Number) },
    })
    const relaunched = launchApp({ emulatorUrl: emulator.url, baseUrl: after.baseUrl }, device)
    expect(tokenOf(await relaunched.settled())).toBe(token)
    expect(relaunched.wx.sim.calls.login).toBe(0)
    expect(emulator.stats()).toMatchObject({ login: 0, code2Session: 0 })
    expect((await relaunched.auth.request({ url: ME_PATH })).data).toEqual({ openid: device.openid })
  })
})

describe('two server instances sharing Redis', () => {
  it("accept each other's tokens, and a logout on one is seen by the other", async () => {
    const keyPrefix = redisPrefixForTest('shared')
    const emulator = await startEmulator()
    const a = await startApiServer(emulator, { store: createRedisStore({ url: REDIS_URL, keyPrefix }) })
    const b = await startApiServer(emulator, { store: createRedisStore({ url: REDIS_URL, keyPrefix }) })
    const device = newDevice()

    const onA = launchApp({ emulatorUrl: emulator.url, baseUrl: a.baseUrl }, device)
    const token = tokenOf(await onA.settled())
    expect((await keysUnder(keyPrefix)).length).toBeGreaterThan(0)
    expect((await checkToken(b.baseUrl, token)).status).toBe(200)
    onA.auth.stop()
    emulator.resetStats()

    // The same device, now routed to the other instance.
    const onB = launchApp({ emulatorUrl: emulator.url, baseUrl: b.baseUrl }, device)
    expect(tokenOf(await onB.settled())).toBe(token)
    expect(onB.wx.sim.calls.login).toBe(0)
    expect(emulator.stats().code2Session).toBe(0)
    expect((await onB.auth.request({ url: ME_PATH })).data).toEqual({ openid: device.openid })
    expect(b.hits.me).toBe(1)
    expect(a.hits.me).toBe(0)

    await onB.auth.logout()
    expect((await checkToken(a.baseUrl, token)).status).toBe(401)
    expect((await checkToken(b.baseUrl, token)).status).toBe(401)
  })
})
