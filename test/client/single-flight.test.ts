import { afterEach, describe, expect, it, vi } from 'vitest'
import { createLoginClient, DEFAULT_STORAGE_KEY, LoginError } from '../../src/index.ts'
import { createFakeServices, HOUR, never } from '../support/services/index.ts'

afterEach(() => {
  vi.useRealTimers()
})

describe('ensureLogin: single flight', () => {
  it('50 concurrent callers share one wx.login and one server login', async () => {
    const services = createFakeServices()
    const client = createLoginClient({ platform: services.platform, server: services.server })
    const sessions = await Promise.all(Array.from({ length: 50 }, () => client.ensureLogin()))
    expect(services.count('wxLogin')).toBe(1)
    expect(services.count('serverLogin')).toBe(1)
    expect(new Set(sessions.map((s) => s.token))).toEqual(new Set(['token-1']))
    expect(services.storage.get(DEFAULT_STORAGE_KEY)).toMatchObject({ token: 'token-1' })
    client.stop()
  })

  it('joins a flow that start() began, instead of starting another', async () => {
    const services = createFakeServices()
    const client = createLoginClient({ platform: services.platform, server: services.server })
    client.start()
    client.start()
    const [a, b] = await Promise.all([client.ensureLogin(), client.ensureLogin()])
    expect(a).toEqual(b)
    expect(services.count('wxLogin')).toBe(1)
    client.stop()
  })

  it('answers from memory once authenticated', async () => {
    const services = createFakeServices()
    const client = createLoginClient({ platform: services.platform, server: services.server })
    const first = await client.ensureLogin()
    const second = await client.ensureLogin()
    expect(second).toBe(first)
    expect(services.count('wxLogin')).toBe(1)
    expect(services.count('checkServerSession')).toBe(0)
    client.stop()
  })

  it('logs in again when the session has expired locally', async () => {
    vi.useFakeTimers()
    const services = createFakeServices()
    const client = createLoginClient({ platform: services.platform, server: services.server })
    const first = await client.ensureLogin()
    vi.setSystemTime(Date.now() + 2 * HOUR)
    const second = await client.ensureLogin()
    expect(second.token).not.toBe(first.token)
    expect(services.count('wxLogin')).toBe(2)
    client.stop()
  })

  it('rejects every waiting caller with the error that failed the flow, then starts a new attempt on the next call', async () => {
    const services = createFakeServices({ answers: { serverLogin: () => Promise.reject(new LoginError('high_risk_user')) } })
    const client = createLoginClient({ platform: services.platform, server: services.server })
    const outcomes = await Promise.allSettled(Array.from({ length: 5 }, () => client.ensureLogin()))
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected')
      expect((outcome as PromiseRejectedResult).reason).toMatchObject({ code: 'high_risk_user', transient: false })
    }
    expect(services.count('serverLogin')).toBe(1)
    expect(client.getSnapshot().value).toBe('failed')

    services.answers.serverLogin = async () => ({ token: 'after-retry', expiresAt: Date.now() + HOUR })
    await expect(client.ensureLogin()).resolves.toMatchObject({ token: 'after-retry' })
    expect(services.count('wxLogin')).toBe(2)
    client.stop()
  })

  it('rejects waiting callers with aborted when the client stops, and every later call too', async () => {
    const services = createFakeServices({ answers: { wxLogin: () => never() } })
    const client = createLoginClient({ platform: services.platform, server: services.server })
    const pending = client.ensureLogin()
    client.stop()
    await expect(pending).rejects.toMatchObject({ code: 'aborted' })
    await expect(client.ensureLogin()).rejects.toMatchObject({ code: 'aborted' })
  })

  it('rejects waiting callers with aborted when the user logs out mid-flow', async () => {
    const services = createFakeServices({ answers: { wxLogin: () => never() } })
    const client = createLoginClient({ platform: services.platform, server: services.server })
    const pending = client.ensureLogin()
    await client.logout()
    await expect(pending).rejects.toMatchObject({ code: 'aborted' })
    expect(client.getSnapshot().value).toBe('idle')
    client.stop()
  })
})
