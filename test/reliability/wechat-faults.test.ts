/**
 * Faults on WeChat's side, end to end on real HTTP: the emulator answers
 * errcode -1, answers too slowly for the server's code2Session deadline,
 * drops connections, answers a gateway error, refuses a high-risk user or
 * throttles. The client ends with a session or with a typed `LoginError`,
 * never hangs, and logs in once the fault is gone.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { WechatEmulator } from '../../src/emulator/index.ts'
import { isLoginError } from '../../src/contract/index.ts'
import { createSqliteStore } from '../../src/server/index.ts'
import {
  createDevice,
  E2E_CLIENT_RETRY,
  outcomeOf,
  settlesWithin,
  startDevServer,
  startEmulator,
  type Device,
  type ServerHandle,
} from './support/e2e-stack.ts'

/** Short enough to time out against the injected latency, far above a healthy loopback exchange. */
const CODE2SESSION_TIMEOUT_MS = 500
const HANG_GUARD_MS = 15_000

let emulator: WechatEmulator
let server: ServerHandle
/** POST /auth/login requests the developer server received. */
let serverLogins = 0
const devices: Device[] = []

beforeAll(async () => {
  emulator = await startEmulator()
  server = await startDevServer(emulator, createSqliteStore({ path: ':memory:', sweepIntervalMs: false }), {
    code2SessionTimeoutMs: CODE2SESSION_TIMEOUT_MS,
    code2SessionRetries: 2,
    beforeListen: (app) => {
      app.addHook('onRequest', async (request) => {
        if (request.url === '/auth/login') serverLogins += 1
      })
    },
  })
})

afterAll(async () => {
  for (const device of devices) device.client.stop()
  await server.app.close()
  await emulator.close()
})

beforeEach(() => {
  emulator.clearFaults()
  emulator.setLatency(0)
  emulator.resetStats()
  serverLogins = 0
})

function device(): Device {
  const created = createDevice(emulator, server.baseUrl)
  devices.push(created)
  return created
}

/** Logs in and checks the session works: `/me` answers this device's own openid. */
async function expectWorkingSession(phone: Device): Promise<void> {
  const session = await settlesWithin(phone.client.ensureLogin(), HANG_GUARD_MS, 'ensureLogin')
  expect(session.token).toMatch(/^[A-Za-z0-9_-]{43}$/)
  const me = await phone.client.request({ url: '/me' })
  expect(me.statusCode).toBe(200)
  expect(me.data).toEqual({ openid: phone.openid })
}

async function expectLoginFailure(phone: Device): Promise<{ code: string; transient: boolean; retryAfterMs: number | undefined }> {
  const outcome = await settlesWithin(outcomeOf(phone.client.ensureLogin()), HANG_GUARD_MS, 'ensureLogin')
  expect(outcome.ok).toBe(false)
  const error = outcome.ok ? undefined : outcome.error
  expect(isLoginError(error)).toBe(true)
  if (!isLoginError(error)) throw new Error('not a LoginError')
  expect(phone.client.getSnapshot().matches('failed')).toBe(true)
  return { code: error.code, transient: error.transient, retryAfterMs: error.retryAfterMs }
}

describe('WeChat faults, end to end', () => {
  it('rides out one errcode -1 (system busy): the server retries code2Session and the login succeeds', async () => {
    const phone = device()
    emulator.failNext(1, -1)
    await expectWorkingSession(phone)
    expect(emulator.stats().code2SessionErrors).toEqual({ '-1': 1 })
    expect(serverLogins).toBe(1)
  })

  it('fails with a transient server_error when WeChat stays busy, after the client retried, then recovers', async () => {
    const phone = device()
    emulator.failNext(1_000, -1)
    const failure = await expectLoginFailure(phone)
    expect(failure).toMatchObject({ code: 'server_error', transient: true })
    expect(serverLogins).toBe(E2E_CLIENT_RETRY.attempts)

    emulator.clearFaults()
    await expectWorkingSession(phone)
  })

  it('answers 503 when WeChat is slower than the code2Session deadline; the client fails typed, then recovers', async () => {
    const phone = device()
    // Latency also slows wx.login (the emulator answers /__sim/login late too); the phone waits 3 s for it.
    emulator.setLatency(CODE2SESSION_TIMEOUT_MS * 3)
    const failure = await expectLoginFailure(phone)
    expect(failure).toMatchObject({ code: 'server_error', transient: true })
    expect(serverLogins).toBe(E2E_CLIENT_RETRY.attempts)

    emulator.setLatency(0)
    await expectWorkingSession(phone)
  })

  it('survives one dropped connection to WeChat (the server retries), and fails typed when every one drops', async () => {
    const lucky = device()
    emulator.dropNext(1)
    await expectWorkingSession(lucky)
    expect(emulator.stats().dropped).toBe(1)

    const unlucky = device()
    emulator.dropNext(1_000)
    const failure = await expectLoginFailure(unlucky)
    expect(failure).toMatchObject({ code: 'server_error', transient: true })

    emulator.clearFaults()
    await expectWorkingSession(unlucky)
  })

  it('does not retry code2Session after a gateway error (the code may be spent) and the client fails typed', async () => {
    const phone = device()
    emulator.failNextWithStatus(1_000, 502)
    const failure = await expectLoginFailure(phone)
    expect(failure.code).toBe('server_error')
    // One code2Session call per server login: the server did not retry on its own.
    expect(emulator.stats().code2Session).toBe(serverLogins)

    emulator.clearFaults()
    await expectWorkingSession(phone)
  })

  it('gives up at once on a high-risk user (permanent), and logs the user in once WeChat lifts the block', async () => {
    const phone = device()
    emulator.setHighRisk(phone.openid, true)
    const failure = await expectLoginFailure(phone)
    expect(failure).toMatchObject({ code: 'high_risk_user', transient: false })
    expect(serverLogins).toBe(1)

    emulator.setHighRisk(phone.openid, false)
    await expectWorkingSession(phone)
  })

  it("passes WeChat's minute quota on as rate_limited with the server's Retry-After, without hammering", async () => {
    const phone = device()
    emulator.failNext(1, 45011)
    const failure = await expectLoginFailure(phone)
    expect(failure).toMatchObject({ code: 'rate_limited', retryAfterMs: 60_000 })
    // Retry-After (60 s) is longer than the client's longest backoff: it hands the decision to the app.
    expect(serverLogins).toBe(1)

    await expectWorkingSession(phone)
  })
})
