import { afterEach, describe, expect, it, vi } from 'vitest'
import { API_URL, CODE_TTL_MS, createSimulatedServices, DEFAULT_LATENCY, roundTripsOf, sequentialLatencyOf } from '../../bench/index.ts'
import { LoginError } from '../../src/contract/index.ts'

afterEach(() => {
  vi.useRealTimers()
})

/** Whether a promise has settled, after letting pending microtasks run. */
async function isSettled(promise: Promise<unknown>): Promise<boolean> {
  let settled = false
  promise.then(
    () => (settled = true),
    () => (settled = true),
  )
  await Promise.resolve()
  await Promise.resolve()
  return settled
}

describe('simulated WeChat', () => {
  it('wx.login answers after its latency, not before', async () => {
    vi.useFakeTimers()
    const services = createSimulatedServices({ latency: DEFAULT_LATENCY })
    const login = services.platform.login({ timeout: 10_000 })
    await vi.advanceTimersByTimeAsync(DEFAULT_LATENCY.wxLoginMs - 1)
    expect(await isSettled(login)).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    await expect(login).resolves.toEqual({ code: expect.any(String) })
  })

  it('a server login waits for the round trip plus code2Session', async () => {
    vi.useFakeTimers()
    const services = createSimulatedServices()
    const { code } = await services.platform.login({ timeout: 10_000 })
    services.setLatency(DEFAULT_LATENCY)
    const login = services.server.login(code)
    await vi.advanceTimersByTimeAsync(DEFAULT_LATENCY.serverMs + DEFAULT_LATENCY.code2SessionMs - 1)
    expect(await isSettled(login)).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    await expect(login).resolves.toMatchObject({ token: expect.any(String) })
  })

  it('wx.checkSession fails before any login and after WeChat expires the session', async () => {
    const services = createSimulatedServices()
    await expect(services.platform.checkSession()).rejects.toMatchObject({ name: 'LoginError', code: 'unauthorized' })
    await services.platform.login({ timeout: 1000 })
    await expect(services.platform.checkSession()).resolves.toBeUndefined()
    services.expireWechatSession()
    await expect(services.platform.checkSession()).rejects.toBeInstanceOf(LoginError)
    await services.platform.login({ timeout: 1000 })
    await expect(services.platform.checkSession()).resolves.toBeUndefined()
  })

  it('a code is good once: code2Session refuses a used code and one it never issued', async () => {
    const services = createSimulatedServices()
    const { code } = await services.platform.login({ timeout: 1000 })
    await expect(services.server.login(code)).resolves.toMatchObject({ token: expect.any(String) })
    await expect(services.server.login(code)).rejects.toMatchObject({ code: 'code_used' })
    await expect(services.server.login('never-issued')).rejects.toMatchObject({ code: 'invalid_code' })
    expect(services.counts.code2Session).toBe(3)
  })

  it('a code older than five minutes is invalid', async () => {
    let now = 1_000_000
    const services = createSimulatedServices({ now: () => now })
    const { code } = await services.platform.login({ timeout: 1000 })
    now += CODE_TTL_MS
    await expect(services.server.login(code)).rejects.toMatchObject({ code: 'invalid_code' })
  })

  it('the developer server checks and serves API requests from its session table', async () => {
    let now = 0
    const services = createSimulatedServices({ now: () => now, sessionTtlMs: 1000 })
    const { code } = await services.platform.login({ timeout: 1000 })
    const session = await services.server.login(code)
    expect(session.expiresAt).toBe(1000)
    const withToken = { url: API_URL, header: { Authorization: `Bearer ${session.token}` } }

    await expect(services.server.check(session)).resolves.toBe(true)
    await expect(services.platform.request(withToken)).resolves.toMatchObject({ statusCode: 200 })
    await expect(services.platform.request({ url: API_URL })).resolves.toMatchObject({
      statusCode: 401,
      data: { error: 'session_expired' },
    })

    now = 1000
    await expect(services.server.check(session)).resolves.toBe(false)
    now = 0
    services.revokeServerSessions()
    await expect(services.server.check(session)).resolves.toBe(false)
    await expect(services.platform.request(withToken)).resolves.toMatchObject({ statusCode: 401 })
  })

  it('storage keeps copies, as wx storage does', () => {
    const services = createSimulatedServices()
    const value = { token: 't', expiresAt: 1 }
    services.platform.storage.set('k', value)
    value.token = 'changed'
    expect(services.platform.storage.get('k')).toEqual({ token: 't', expiresAt: 1 })
    services.platform.storage.remove('k')
    expect(services.platform.storage.get('k')).toBeUndefined()
  })

  it('counts every call, and derives round trips and the latency they account for', async () => {
    const services = createSimulatedServices()
    const { code } = await services.platform.login({ timeout: 1000 })
    const session = await services.server.login(code)
    await services.server.check(session)
    await services.platform.checkSession()
    await services.platform.request({ url: API_URL })
    await services.server.logout?.(session)
    const counts = { ...services.counts }
    expect(counts).toEqual({ wxLogin: 1, checkSession: 1, serverCheck: 1, serverLogin: 1, code2Session: 1, apiRequest: 1, serverLogout: 1 })
    expect(roundTripsOf(counts)).toBe(6)
    expect(sequentialLatencyOf(counts, DEFAULT_LATENCY)).toBe(120 + 40 + 4 * 60 + 80)
    services.resetCounts()
    expect(roundTripsOf(services.counts)).toBe(0)
  })
})
