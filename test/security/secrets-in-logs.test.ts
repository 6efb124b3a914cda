/**
 * No secret in any log line, at any level (`trace`), over full flows on real
 * HTTP, failures included: the AppSecret (the right one and a wrong one),
 * every `wx.login` code, every session_key WeChat handed out, every session
 * token, decrypted user data, phone numbers and their codes, the
 * access_token. The developer server's log, the emulator's log and every
 * `LoginError` the client produced are searched.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSimulatedWx } from '../../src/emulator/index.ts'
import type { WechatEmulator } from '../../src/emulator/index.ts'
import { isLoginError } from '../../src/contract/index.ts'
import { createServer, createSqliteStore } from '../../src/server/index.ts'
import { createRedisStore } from '../../src/server/redis/index.ts'
import {
  APP_ID,
  APP_SECRET,
  createDevice,
  outcomeOf,
  startDevServer,
  startEmulator,
  type Device,
  type ServerHandle,
} from '../reliability/support/e2e-stack.ts'
import { secretsIn } from '../reliability/support/leaks.ts'
import { refusedPort } from '../support/tcp-fault-proxy.ts'

const WRONG_SECRET = 'wrong-app-secret-NEVER-LOG-c41d7e'
const PII_MARKER = '13800138000-PII-NEVER-LOG'

const serverLines: string[] = []
const emulatorLines: string[] = []
const secrets = new Set<string>([APP_SECRET, WRONG_SECRET, PII_MARKER])
const clientErrors: string[] = []
const logStream = { write: (line: string) => void serverLines.push(line) }

let emulator: WechatEmulator
let server: ServerHandle
const devices: Device[] = []

beforeAll(async () => {
  emulator = await startEmulator({ log: (line) => emulatorLines.push(line) })
  server = await startDevServer(emulator, createSqliteStore({ path: ':memory:', sweepIntervalMs: false }), {
    logger: { level: 'trace', stream: logStream },
    rateLimit: { max: 1_000, timeWindow: 60_000 },
    code2SessionTimeoutMs: 500,
    code2SessionRetries: 1,
  })
})
afterAll(async () => {
  for (const device of devices) device.client.stop()
  await server.app.close()
  await emulator.close()
})

/** A device whose every wx.login code and session token is remembered as a secret. */
function device(): Device {
  const phone = createDevice(emulator, server.baseUrl)
  devices.push(phone)
  const login = phone.wx.login.bind(phone.wx)
  Object.assign(phone.wx, {
    login: (option: WechatMiniprogram.LoginOption) =>
      login({
        ...option,
        success: (result: WechatMiniprogram.LoginSuccessCallbackResult) => {
          secrets.add(result.code)
          option.success?.(result)
        },
      }),
  })
  phone.client.subscribe((snapshot) => {
    if (snapshot.context.session) secrets.add(snapshot.context.session.token)
  })
  return phone
}

function rememberSessionKey(openid: string): void {
  const key = emulator.sessionKeyOf(openid)
  if (key !== undefined) secrets.add(key)
}

async function expectFailure(phone: Device): Promise<void> {
  const outcome = await outcomeOf(phone.client.ensureLogin())
  expect(outcome.ok).toBe(false)
  const error = outcome.ok ? undefined : outcome.error
  expect(isLoginError(error)).toBe(true)
  if (isLoginError(error)) clientErrors.push(error.message, JSON.stringify(error))
}

describe('secrets in logs', () => {
  it('a full life cycle and a series of failures leave no secret in any log line or client error', async () => {
    // The whole happy path: login, app request, refresh, decrypt, a failed decrypt, logout.
    const alice = device()
    await alice.client.ensureLogin()
    rememberSessionKey(alice.openid)
    expect((await alice.client.request({ url: '/me' })).statusCode).toBe(200)
    await alice.client.refresh()
    const userData = emulator.encryptForUser(alice.openid, { phoneNumber: PII_MARKER })
    secrets.add(userData.encryptedData)
    const decrypted = await alice.client.request({ url: '/auth/decrypt', method: 'POST', data: userData })
    expect(decrypted).toMatchObject({ statusCode: 200, data: { data: { phoneNumber: PII_MARKER } } })
    const other = createSimulatedWx({ emulatorUrl: emulator.url })
    await other.login()
    rememberSessionKey(other.sim.openid)
    const foreign = emulator.encryptForUser(other.sim.openid, { phoneNumber: PII_MARKER })
    expect((await alice.client.request({ url: '/auth/decrypt', method: 'POST', data: foreign })).statusCode).toBe(400)

    // A phone number bound, refused, and a stale session_key detected and refreshed.
    const phone = '13912345678'
    secrets.add(phone)
    const phoneCode = await emulator.issuePhoneCode(alice.openid, phone)
    secrets.add(phoneCode)
    expect((await alice.client.bindPhoneNumber({ code: phoneCode })).purePhoneNumber).toBe(phone)
    await expect(alice.client.bindPhoneNumber({ code: phoneCode })).rejects.toMatchObject({ code: 'invalid_phone_code' })
    emulator.faultsOf('getPhoneNumber').failNext(1, 40013)
    await expect(alice.client.bindPhoneNumber({ code: await emulator.issuePhoneCode(alice.openid, phone) })).rejects.toMatchObject({
      code: 'server_error',
    })
    secrets.add(await server.app.wechatAccessToken())
    emulator.rotateSessionKey(alice.openid)
    rememberSessionKey(alice.openid)
    const staleData = emulator.encryptForUser(alice.openid, { phoneNumber: PII_MARKER })
    expect((await alice.client.request({ url: '/auth/decrypt', method: 'POST', data: staleData })).statusCode).toBe(409)
    await alice.client.refreshSessionKey()
    rememberSessionKey(alice.openid)
    emulator.expireAccessToken()
    expect(await server.app.checkSessionKey(alice.openid)).toBe(true)
    secrets.add(await server.app.wechatAccessToken())
    await alice.client.logout()

    // WeChat busy, slow, dropping, broken gateway, high-risk user, quota: each ends in a typed failure.
    const bob = device()
    emulator.failNext(1_000, -1)
    await expectFailure(bob)
    emulator.clearFaults()
    emulator.setLatency(1_500)
    await expectFailure(bob)
    emulator.setLatency(0)
    emulator.dropNext(1_000)
    await expectFailure(bob)
    emulator.clearFaults()
    emulator.failNextWithStatus(1_000, 502)
    await expectFailure(bob)
    emulator.clearFaults()
    emulator.setHighRisk(bob.openid, true)
    await expectFailure(bob)
    emulator.setHighRisk(bob.openid, false)
    emulator.failNext(1, 45011)
    await expectFailure(bob)
    await bob.client.ensureLogin()
    rememberSessionKey(bob.openid)

    // Hostile or broken requests straight at the server.
    const { app } = server
    const reused = await emulator.issueCode()
    secrets.add(reused)
    expect((await app.inject({ method: 'POST', url: '/auth/login', payload: { code: reused } })).statusCode).toBe(200)
    expect((await app.inject({ method: 'POST', url: '/auth/login', payload: { code: reused } })).statusCode).toBe(401)
    const unknown = 'unknown-code-NEVER-LOG-9a8b7c'
    secrets.add(unknown)
    expect((await app.inject({ method: 'POST', url: '/auth/login', payload: { code: unknown } })).statusCode).toBe(401)
    const inQuery = 'query-code-NEVER-LOG-1c2d3e'
    secrets.add(inQuery)
    await app.inject({ method: 'POST', url: `/auth/login?code=${inQuery}&secret=${inQuery}`, payload: { code: 'x' } })
    const extraFields = {
      token: 'body-token-NEVER-LOG-5f6a7b',
      secret: 'body-secret-NEVER-LOG-8c9d0e',
      session_key: 'body-key-NEVER-LOG-1f2a3b',
    }
    for (const value of Object.values(extraFields)) secrets.add(value)
    // Unknown fields fail the schema: 400 before anything reaches WeChat.
    expect((await app.inject({ method: 'POST', url: '/auth/login', payload: { code: 'abc', ...extraFields } })).statusCode).toBe(400)
    const huge = `huge-code-NEVER-LOG-${'z'.repeat(300)}`
    secrets.add(huge)
    expect((await app.inject({ method: 'POST', url: '/auth/login', payload: { code: huge } })).statusCode).toBe(400)
    const stranger = 'S'.repeat(21) + 'NEVERLOG' + 'T'.repeat(14)
    secrets.add(stranger)
    for (const url of ['/auth/session', '/auth/logout', '/me']) {
      const method = url === '/me' ? 'GET' : 'POST'
      expect((await app.inject({ method, url, headers: { authorization: `Bearer ${stranger}` } })).statusCode).toBeLessThan(500)
      expect((await app.inject({ method, url, headers: { authorization: `Basic ${stranger}` } })).statusCode).toBe(400)
    }

    // A server with the wrong AppSecret, and one whose Redis is down, writing to the same log.
    const misconfigured = await createServer({
      wechat: { appId: APP_ID, secret: WRONG_SECRET, apiBase: emulator.url },
      store: createSqliteStore({ path: ':memory:', sweepIntervalMs: false }),
      logger: { level: 'trace', stream: logStream },
    })
    const storeDown = await createServer({
      wechat: { appId: APP_ID, secret: APP_SECRET, apiBase: emulator.url },
      store: createRedisStore({ url: `redis://127.0.0.1:${await refusedPort()}`, connectTimeoutMs: 200, operationTimeoutMs: 300 }),
      logger: { level: 'trace', stream: logStream },
    })
    try {
      const wasted = await emulator.issueCode()
      secrets.add(wasted)
      expect((await misconfigured.inject({ method: 'POST', url: '/auth/login', payload: { code: wasted } })).statusCode).toBe(500)
      const spent = await emulator.issueCode('oStoreDownUser')
      secrets.add(spent)
      expect((await storeDown.inject({ method: 'POST', url: '/auth/login', payload: { code: spent } })).statusCode).toBe(503)
      rememberSessionKey('oStoreDownUser')
    } finally {
      await misconfigured.close()
      await storeDown.close()
    }

    // The logs are really there, down to trace level, and carry none of it.
    expect(serverLines.length).toBeGreaterThan(50)
    expect(server.app.log.level).toBe('trace')
    expect(serverLines.some((line) => line.includes('code2Session failed'))).toBe(true)
    expect(emulatorLines.length).toBeGreaterThan(10)
    expect(clientErrors.length).toBeGreaterThanOrEqual(12)
    expect(secrets.size).toBeGreaterThan(25)

    // The search finds a secret when there is one.
    expect(secretsIn(`{"msg":"oops ${APP_SECRET}"}`, secrets)).toEqual([APP_SECRET])
    expect(secretsIn(serverLines.join('\n'), secrets)).toEqual([])
    expect(secretsIn(emulatorLines.join('\n'), secrets)).toEqual([])
    expect(secretsIn(clientErrors.join('\n'), secrets)).toEqual([])
    // The Authorization header never appears in clear, whatever it held.
    expect(serverLines.filter((line) => /bearer\s+[A-Za-z0-9_-]{20,}/i.test(line))).toEqual([])
  })
})
