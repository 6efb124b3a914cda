/**
 * Logout ends the session on both sides: the phone forgets it at once
 * (memory and storage), the server deletes it, and the old token is refused
 * everywhere afterwards. When the server cannot be told, the phone is still
 * logged out and the failure is reported, not thrown.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_STORAGE_KEY } from '../../src/client/index.ts'
import type { WechatEmulator } from '../../src/emulator/index.ts'
import { createSqliteStore } from '../../src/server/index.ts'
import { crashDevServer, createDevice, startDevServer, startEmulator, type ServerHandle } from '../reliability/support/e2e-stack.ts'

let emulator: WechatEmulator
let server: ServerHandle

beforeAll(async () => {
  emulator = await startEmulator()
  server = await startDevServer(emulator, createSqliteStore({ path: ':memory:', sweepIntervalMs: false }))
})
afterAll(async () => {
  await server.app.close()
  await emulator.close()
})

async function refusedEverywhere(token: string, target: ServerHandle): Promise<void> {
  const headers = { authorization: `Bearer ${token}` }
  expect((await target.app.inject({ method: 'POST', url: '/auth/session', headers })).statusCode).toBe(401)
  expect((await target.app.inject({ method: 'GET', url: '/me', headers })).statusCode).toBe(401)
  expect(
    (
      await target.app.inject({
        method: 'POST',
        url: '/auth/decrypt',
        headers,
        payload: { encryptedData: 'A'.repeat(24), iv: `${'A'.repeat(22)}==` },
      })
    ).statusCode,
  ).toBe(401)
}

describe('logout', () => {
  it('clears the phone at once and deletes the session on the server', async () => {
    const phone = createDevice(emulator, server.baseUrl)
    try {
      const session = await phone.client.ensureLogin()
      expect(phone.wx.sim.storage.has(DEFAULT_STORAGE_KEY)).toBe(true)

      const done = phone.client.logout()
      // Locally, before the server has even answered.
      expect(phone.wx.sim.storage.has(DEFAULT_STORAGE_KEY)).toBe(false)
      expect(phone.client.getSnapshot().context.session).toBeNull()
      await done

      await refusedEverywhere(session.token, server)
      // The next login is a new session with a new token: nothing is reused.
      const next = await phone.client.ensureLogin()
      expect(next.token).not.toBe(session.token)
    } finally {
      phone.client.stop()
    }
  })

  it('logs out locally and reports logout_error when the server cannot be reached', async () => {
    const doomed = await startDevServer(emulator, createSqliteStore({ path: ':memory:', sweepIntervalMs: false }))
    const phone = createDevice(emulator, doomed.baseUrl)
    const logoutErrors: string[] = []
    phone.client.on('logout_error', (event) => logoutErrors.push(event.error.code))
    try {
      await phone.client.ensureLogin()
      await crashDevServer(doomed)
      await phone.client.logout()
      expect(phone.client.getSnapshot().matches('idle')).toBe(true)
      expect(phone.wx.sim.storage.has(DEFAULT_STORAGE_KEY)).toBe(false)
      expect(logoutErrors).toEqual(['network'])
    } finally {
      phone.client.stop()
    }
  })

  it("a user's sessions can all be revoked at once (log out everywhere)", async () => {
    const openid = 'oLogoutEverywhere0000000001'
    const phones = [createDevice(emulator, server.baseUrl, { openid }), createDevice(emulator, server.baseUrl, { openid })]
    try {
      const tokens = []
      for (const phone of phones) tokens.push((await phone.client.ensureLogin()).token)
      expect(new Set(tokens).size).toBe(2)
      expect(await server.app.loginSessions.revokeAll(openid)).toBe(2)
      for (const token of tokens) await refusedEverywhere(token, server)
    } finally {
      for (const phone of phones) phone.client.stop()
    }
  })
})
