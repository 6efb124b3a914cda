/**
 * The phone's storage is full (`setStorageSync` throws "exceed storage max
 * size"): the user is still logged in for this run of the app, the client
 * reports a `storage_error` event, storage never holds half a session, and
 * the next launch simply logs in again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_STORAGE_KEY } from '../../src/client/index.ts'
import type { WechatEmulator } from '../../src/emulator/index.ts'
import { createSqliteStore } from '../../src/server/index.ts'
import { createDevice, startDevServer, startEmulator, type Device, type ServerHandle } from './support/e2e-stack.ts'

let emulator: WechatEmulator
let server: ServerHandle
const devices: Device[] = []

beforeAll(async () => {
  emulator = await startEmulator()
  server = await startDevServer(emulator, createSqliteStore({ path: ':memory:', sweepIntervalMs: false }))
})
afterAll(async () => {
  for (const device of devices) device.client.stop()
  await server.app.close()
  await emulator.close()
})

function launch(options: { openid?: string; storage?: Map<string, unknown> } = {}): Device {
  const device = createDevice(emulator, server.baseUrl, options)
  devices.push(device)
  return device
}

describe('storage full on the phone', () => {
  it('keeps the user authenticated in memory and reports storage_error', async () => {
    const phone = launch()
    phone.wx.sim.setStorageFull(true)

    const session = await phone.client.ensureLogin()

    expect(phone.client.getSnapshot().matches('authenticated')).toBe(true)
    expect(phone.storageErrors).toEqual([{ operation: 'write', code: 'storage_error' }])
    expect(phone.wx.sim.storage.has(DEFAULT_STORAGE_KEY)).toBe(false)
    const me = await phone.client.request({ url: '/me' })
    expect(me).toMatchObject({ statusCode: 200, data: { openid: phone.openid } })
    // Still the same session: nothing made the client log in twice.
    expect((await phone.client.ensureLogin()).token).toBe(session.token)
    expect(phone.wx.sim.calls.login).toBe(1)

    // Next launch, storage fine again: nothing was kept, so it logs in afresh.
    phone.client.stop()
    const relaunched = launch({ openid: phone.openid, storage: phone.wx.sim.storage })
    const next = await relaunched.client.ensureLogin()
    expect(next.token).not.toBe(session.token)
    expect(relaunched.wx.sim.calls.login).toBe(1)
    expect(relaunched.wx.sim.storage.get(DEFAULT_STORAGE_KEY)).toMatchObject({ token: next.token, expiresAt: next.expiresAt })
  })

  it('keeps a session stored before the storage filled up whole, and uses it at the next launch', async () => {
    const first = launch()
    const session = await first.client.ensureLogin()
    first.client.stop()

    const relaunched = launch({ openid: first.openid, storage: first.wx.sim.storage })
    relaunched.wx.sim.setStorageFull(true)
    const resumed = await relaunched.client.ensureLogin()

    expect(resumed.token).toBe(session.token)
    expect(relaunched.wx.sim.calls.login).toBe(0)
    // Whatever the failed writes did, what is stored is a whole session.
    const stored = relaunched.wx.sim.storage.get(DEFAULT_STORAGE_KEY) as Record<string, unknown>
    expect(stored).toMatchObject({ token: session.token, expiresAt: session.expiresAt })
    expect(relaunched.storageErrors.every((event) => event.code === 'storage_error')).toBe(true)
  })
})
