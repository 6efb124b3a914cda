/**
 * The developer server goes away while a login is in flight (every
 * connection cut, as in a crash) and a new one starts on the same port over
 * the same SQLite file. The client must end authenticated or failed with a
 * typed error, never hang; and sessions committed before the restart keep
 * working after it.
 */
import type { FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import type { WechatEmulator } from '../../src/emulator/index.ts'
import { isLoginError } from '../../src/contract/index.ts'
import { createSqliteStore } from '../../src/server/index.ts'
import {
  crashDevServer,
  createDevice,
  outcomeOf,
  settlesWithin,
  startDevServer,
  startEmulator,
  tempDir,
  type Device,
  type ServerHandle,
} from './support/e2e-stack.ts'
import { deferred } from '../support/services/index.ts'

const HANG_GUARD_MS = 20_000

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function startOver(
  emulator: WechatEmulator,
  dbFile: string,
  port = 0,
  beforeListen?: (app: FastifyInstance) => void,
): Promise<ServerHandle> {
  const server = await startDevServer(emulator, createSqliteStore({ path: dbFile, sweepIntervalMs: false }), {
    port,
    ...(beforeListen === undefined ? {} : { beforeListen }),
  })
  return server
}

/** The first server of a test: it resolves `loginArrived` once a login has reached it, so the test can kill it mid-login. */
async function startNoticingLogin(
  emulator: WechatEmulator,
  dbFile: string,
): Promise<{ server: ServerHandle; loginArrived: Promise<void> }> {
  const arrived = deferred<void>()
  const server = await startOver(emulator, dbFile, 0, (app) => {
    app.addHook('onRequest', async (request) => {
      if (request.url === '/auth/login') arrived.resolve()
    })
  })
  return { server, loginArrived: arrived.promise }
}

async function stack(): Promise<{ emulator: WechatEmulator; dbFile: string }> {
  const dir = tempDir('restart')
  cleanups.push(() => dir.cleanup())
  const emulator = await startEmulator()
  cleanups.push(() => emulator.close())
  return { emulator, dbFile: dir.file('sessions.db') }
}

function phone(emulator: WechatEmulator, baseUrl: string, attempts = 4): Device {
  const device = createDevice(emulator, baseUrl, { client: { retry: { attempts, baseDelayMs: 100, maxDelayMs: 400 } } })
  cleanups.push(() => device.client.stop())
  return device
}

describe('developer server restarted mid-login', () => {
  it('ends authenticated on the new server when it comes back while the client still retries', async () => {
    const { emulator, dbFile } = await stack()
    const { server: first, loginArrived } = await startNoticingLogin(emulator, dbFile)
    // WeChat answers slowly, so the login is still inside the server when it dies.
    emulator.setLatency(300)
    const device = phone(emulator, first.baseUrl)
    const login = outcomeOf(device.client.ensureLogin())

    await loginArrived
    await crashDevServer(first)
    const second = await startOver(emulator, dbFile, first.port)
    cleanups.push(() => second.app.close())

    const outcome = await settlesWithin(login, HANG_GUARD_MS, 'ensureLogin across the restart')
    expect(outcome.ok).toBe(true)
    expect(device.client.getSnapshot().matches('authenticated')).toBe(true)
    emulator.setLatency(0)
    const me = await device.client.request({ url: '/me' })
    expect(me).toMatchObject({ statusCode: 200, data: { openid: device.openid } })
  })

  it('fails with a typed, transient error when the server stays down, and logs in once it is back', async () => {
    const { emulator, dbFile } = await stack()
    const { server: first, loginArrived } = await startNoticingLogin(emulator, dbFile)
    emulator.setLatency(300)
    const device = phone(emulator, first.baseUrl, 2)
    const login = outcomeOf(device.client.ensureLogin())

    await loginArrived
    await crashDevServer(first)

    const outcome = await settlesWithin(login, HANG_GUARD_MS, 'ensureLogin with the server down')
    expect(outcome.ok).toBe(false)
    const error = outcome.ok ? undefined : outcome.error
    expect(isLoginError(error) && error.code).toBe('network')
    expect(isLoginError(error) && error.transient).toBe(true)
    expect(device.client.getSnapshot().matches('failed')).toBe(true)

    emulator.setLatency(0)
    const second = await startOver(emulator, dbFile, first.port)
    cleanups.push(() => second.app.close())
    await settlesWithin(device.client.ensureLogin(), HANG_GUARD_MS, 'ensureLogin after the restart')
    const me = await device.client.request({ url: '/me' })
    expect(me).toMatchObject({ statusCode: 200, data: { openid: device.openid } })
  })

  it('keeps sessions committed before the restart (same SQLite file): no new wx.login needed', async () => {
    const { emulator, dbFile } = await stack()
    const first = await startOver(emulator, dbFile)
    const device = phone(emulator, first.baseUrl)
    const before = await device.client.ensureLogin()
    await crashDevServer(first)

    const second = await startOver(emulator, dbFile, first.port)
    cleanups.push(() => second.app.close())
    const loginsBefore = emulator.stats().login
    const refreshed = await settlesWithin(device.client.refresh(), HANG_GUARD_MS, 'refresh after the restart')
    expect(refreshed.token).toBe(before.token)
    const me = await device.client.request({ url: '/me' })
    expect(me).toMatchObject({ statusCode: 200, data: { openid: device.openid } })
    expect(emulator.stats().login).toBe(loginsBefore)
  })
})
