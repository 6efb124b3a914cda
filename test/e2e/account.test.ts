/**
 * The account features end to end, on real HTTP: a mini-program on a
 * simulated device, the developer server, the WeChat emulator. A phone number
 * bound through `auth.bindPhoneNumber`; a session_key gone stale (WeChat's
 * data pre-fetch) detected by `/auth/decrypt` and recovered by
 * `auth.refreshSessionKey()` without a new session; unionid carried from
 * code2Session to the app's own route.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { isLoginError } from '../../src/index.ts'
import type { FastifyInstance } from 'fastify'
import { startApiServer, startEmulator } from './support/backend.ts'
import { runCleanups } from './support/cleanup.ts'
import { launchApp, newDevice, tokenOf } from './support/mini-program.ts'
import { rejection } from '../support/rejection.ts'

afterEach(runCleanups)

const WHOAMI = '/whoami'

/** The app's own route: who the session says the caller is (never the session_key). */
function addWhoAmI(app: FastifyInstance): void {
  app.get(WHOAMI, { preHandler: app.authenticate }, async (request) => ({
    openid: request.loginSession?.openid,
    unionid: request.loginSession?.unionid ?? null,
    userId: request.loginSession?.userId,
  }))
}

describe('the phone number', () => {
  it("is bound from the button's e.detail, kept with the user at the server, and the user's failures are typed", async () => {
    const emulator = await startEmulator()
    const server = await startApiServer(emulator)
    const device = newDevice()
    const app = launchApp({ emulatorUrl: emulator.url, baseUrl: server.baseUrl }, device)
    await app.settled()

    const detail = { code: await emulator.issuePhoneCode(device.openid, '+86 13800138000'), errMsg: 'getPhoneNumber:ok' }
    expect(await app.auth.bindPhoneNumber(detail)).toEqual({
      phoneNumber: '13800138000',
      purePhoneNumber: '13800138000',
      countryCode: '86',
    })
    expect((await server.app.sessionStore.users.get(device.openid))?.phone?.purePhoneNumber).toBe('13800138000')

    // The same code again: WeChat refuses it, the client says so.
    const used = await rejection(app.auth.bindPhoneNumber(detail))
    expect(isLoginError(used) && used.code).toBe('invalid_phone_code')
    // The quota used up: the button gives no code, and nothing reaches the server.
    emulator.setPhoneQuota(0)
    const quota = await rejection(emulator.issuePhoneCode(device.openid, '13800138000'))
    const calls = emulator.stats().apis.getPhoneNumber.calls
    const exhausted = await rejection(
      app.auth.bindPhoneNumber({ errMsg: 'getPhoneNumber:fail no quota', errno: (quota as { errno: number }).errno }),
    )
    expect(isLoginError(exhausted) && exhausted.code).toBe('phone_quota_exhausted')
    expect(emulator.stats().apis.getPhoneNumber.calls).toBe(calls)
  })
})

describe('a stale session_key', () => {
  it('is answered 409 by /auth/decrypt, refreshed by refreshSessionKey() with the same session and user, and decryption works again', async () => {
    const emulator = await startEmulator()
    const server = await startApiServer(emulator, { routes: addWhoAmI })
    const device = newDevice()
    const app = launchApp({ emulatorUrl: emulator.url, baseUrl: server.baseUrl }, device)
    const token = tokenOf(await app.settled())
    const me = (await app.auth.request({ url: WHOAMI })).data

    // WeChat's data pre-fetch replaces the key; the data the app now gets is encrypted with the new one.
    emulator.rotateSessionKey(device.openid)
    const stale = await app.auth.request({
      url: '/auth/decrypt',
      method: 'POST',
      data: emulator.encryptForUser(device.openid, { step: 1 }),
    })
    expect(stale.statusCode).toBe(409)
    expect(stale.data).toMatchObject({ error: 'session_key_stale' })

    const logins = app.wx.sim.calls.login
    await app.auth.refreshSessionKey()
    expect(app.wx.sim.calls.login).toBe(logins + 1)
    // Fetched again after the refresh, the data decrypts.
    const fresh = await app.auth.request({
      url: '/auth/decrypt',
      method: 'POST',
      data: emulator.encryptForUser(device.openid, { step: 2 }),
    })
    expect(fresh.statusCode).toBe(200)
    expect(fresh.data).toMatchObject({ data: { step: 2 } })
    // Same session, same user: nothing the app sees changed.
    expect(tokenOf(app.auth.getSnapshot())).toBe(token)
    expect((await app.auth.request({ url: WHOAMI })).data).toEqual(me)
    expect(emulator.stats().code2Session).toBe(2)
  })
})

describe('unionid', () => {
  it('goes from code2Session (an app bound to an Open Platform account) to request.loginSession on the app route', async () => {
    const emulator = await startEmulator({ openPlatformBound: true })
    const server = await startApiServer(emulator, { routes: addWhoAmI })
    const device = newDevice()
    const app = launchApp({ emulatorUrl: emulator.url, baseUrl: server.baseUrl }, device)
    await app.settled()
    const answer = (await app.auth.request({ url: WHOAMI })).data as Record<string, unknown>
    expect(answer).toMatchObject({ openid: device.openid, unionid: emulator.unionIdFor(device.openid) })
    expect(answer['unionid']).toMatch(/^o[A-Za-z0-9_-]{27}$/)
  })
})
