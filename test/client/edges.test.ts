/** Edges of the flow that a user meets: exact deadlines and limits, stale confirmations, logouts with nothing to end. */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createLoginClient, DEFAULT_STORAGE_KEY, LoginError } from '../../src/index.ts'
import type { LoginClientEvent } from '../../src/index.ts'
import { createFakeServices, HOUR, never } from '../support/services/index.ts'

const TIMEOUTS = { readSession: 100, checkWxSession: 200, checkServerSession: 300, wxLogin: 400, serverLogin: 500 }
const RETRY = { attempts: 2, baseDelayMs: 10, maxDelayMs: 100 }

afterEach(() => {
  vi.useRealTimers()
})

async function settled<T>(promise: Promise<T>): Promise<PromiseSettledResult<T>> {
  const outcome = Promise.allSettled([promise])
  await vi.runAllTimersAsync()
  return (await outcome)[0] as PromiseSettledResult<T>
}

describe('timeouts say which step and how long', () => {
  it('a server check that never answers: "checkServerSession did not answer within 300 ms"', async () => {
    vi.useFakeTimers()
    const services = createFakeServices({ answers: { checkServerSession: () => never() } })
    services.storage.set(DEFAULT_STORAGE_KEY, { token: 's', expiresAt: Date.now() + HOUR })
    const client = createLoginClient({ platform: services.platform, server: services.server, timeouts: TIMEOUTS, retry: RETRY })
    const result = await settled(client.ensureLogin())
    expect((result as PromiseRejectedResult).reason).toMatchObject({
      code: 'timeout',
      message: 'checkServerSession did not answer within 300 ms',
    })
    client.stop()
  })

  it('a platform whose wx.login never settles is given up at its timeout plus the grace', async () => {
    vi.useFakeTimers()
    const services = createFakeServices({ answers: { wxLogin: () => never() } })
    const client = createLoginClient({ platform: services.platform, server: services.server, timeouts: TIMEOUTS, retry: { attempts: 1 } })
    const result = await settled(client.ensureLogin())
    expect((result as PromiseRejectedResult).reason).toMatchObject({ code: 'timeout', message: 'wxLogin did not answer within 1400 ms' })
    client.stop()
  })

  it('a server login that never answers: "serverLogin did not answer within 500 ms"', async () => {
    vi.useFakeTimers()
    const services = createFakeServices({ answers: { serverLogin: () => never() } })
    const client = createLoginClient({ platform: services.platform, server: services.server, timeouts: TIMEOUTS, retry: { attempts: 1 } })
    const result = await settled(client.ensureLogin())
    expect((result as PromiseRejectedResult).reason).toMatchObject({ message: 'serverLogin did not answer within 500 ms' })
    client.stop()
  })

  it('a storage read that never answers is reported as "readSession did not answer within 100 ms"', async () => {
    vi.useFakeTimers()
    const services = createFakeServices({ answers: { readSession: () => never() } })
    const client = createLoginClient({ platform: services.platform, server: services.server, timeouts: TIMEOUTS })
    const events: LoginClientEvent[] = []
    client.on('storage_error', (event) => events.push(event))
    await settled(client.ensureLogin())
    expect(events[0]?.error.message).toBe('readSession did not answer within 100 ms')
    client.stop()
  })
})

describe('limits at their exact values', () => {
  it('a Retry-After equal to the longest backoff is waited out and retried', async () => {
    vi.useFakeTimers()
    const services = createFakeServices()
    const original = services.answers.serverLogin
    services.answers.serverLogin = (code) =>
      services.count('serverLogin') === 1
        ? Promise.reject(new LoginError('rate_limited', undefined, { retryAfterMs: 100 }))
        : original(code)
    const client = createLoginClient({ platform: services.platform, server: services.server, retry: RETRY })
    const result = await settled(client.ensureLogin())
    expect(result.status).toBe('fulfilled')
    expect(services.count('serverLogin')).toBe(2)
    client.stop()
  })

  it('a stored session that expires this very millisecond (server time) is over', async () => {
    vi.useFakeTimers()
    const services = createFakeServices()
    services.storage.set(DEFAULT_STORAGE_KEY, { token: 'now', expiresAt: Date.now(), serverOffsetMs: 0 })
    const client = createLoginClient({ platform: services.platform, server: services.server })
    await expect(client.ensureLogin()).resolves.toMatchObject({ token: 'token-1' })
    expect(services.count('checkWxSession') + services.count('checkServerSession')).toBe(0)
    client.stop()
  })

  it('the second code refused reports its own refusal (a used code after an invalid one)', async () => {
    const services = createFakeServices()
    services.answers.serverLogin = (code) =>
      Promise.reject(new LoginError(code === 'code-1' ? 'invalid_code' : 'code_used', `refused ${code}`))
    const client = createLoginClient({ platform: services.platform, server: services.server, retry: RETRY })
    await expect(client.ensureLogin()).rejects.toMatchObject({ code: 'code_used', message: 'refused code-2' })
    expect(services.count('wxLogin')).toBe(2)
    client.stop()
  })
})

describe('confirmations that cannot count', () => {
  it('a session the server never confirmed is checked, however wide the window', async () => {
    const services = createFakeServices()
    services.storage.set(DEFAULT_STORAGE_KEY, { token: 's', expiresAt: Date.now() + HOUR, serverOffsetMs: 0 })
    const client = createLoginClient({ platform: services.platform, server: services.server, serverCheckWindowMs: Number.MAX_SAFE_INTEGER })
    await client.ensureLogin()
    expect(services.count('checkServerSession')).toBe(1)
    client.stop()
  })

  it('a confirmation stored without an offset to server time (an older version) is not fresh', async () => {
    const services = createFakeServices()
    services.storage.set(DEFAULT_STORAGE_KEY, { token: 's', expiresAt: Date.now() + HOUR, confirmedAt: Date.now() - 1_000 })
    const client = createLoginClient({ platform: services.platform, server: services.server, serverCheckWindowMs: 60_000 })
    await client.ensureLogin()
    expect(services.count('checkServerSession')).toBe(1)
    client.stop()
  })

  it('at launch, a wx.checkSession that fails for any reason leads to wx.login (only a refresh keeps the session on a hiccup)', async () => {
    const services = createFakeServices({ answers: { checkWxSession: () => Promise.reject(new LoginError('network')) } })
    services.storage.set(DEFAULT_STORAGE_KEY, { token: 's', expiresAt: Date.now() + HOUR, serverOffsetMs: 0 })
    const client = createLoginClient({ platform: services.platform, server: services.server })
    await expect(client.ensureLogin()).resolves.toMatchObject({ token: 'token-1' })
    client.stop()
  })
})

describe('refresh() callers', () => {
  it('are told when the refresh became a login that failed', async () => {
    const services = createFakeServices()
    const client = createLoginClient({ platform: services.platform, server: services.server })
    await client.ensureLogin()
    services.answers.checkServerSession = async () => false
    services.answers.serverLogin = () => Promise.reject(new LoginError('high_risk_user'))
    await expect(client.refresh()).rejects.toMatchObject({ code: 'high_risk_user' })
    client.stop()
  })

  it('that join a failing refresh are all rejected', async () => {
    const services = createFakeServices()
    const client = createLoginClient({ platform: services.platform, server: services.server, retry: { attempts: 1 } })
    await client.ensureLogin()
    services.answers.checkServerSession = () => Promise.reject(new LoginError('network'))
    const outcomes = await Promise.allSettled([client.refresh(), client.refresh()])
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected'])
    client.stop()
  })

  it('after stop() are rejected with aborted, not left waiting', async () => {
    const services = createFakeServices()
    const client = createLoginClient({ platform: services.platform, server: services.server })
    await client.ensureLogin()
    client.stop()
    await expect(client.refresh()).rejects.toMatchObject({ code: 'aborted' })
  })
})

describe('logout with nothing to end', () => {
  it('a server without logout: no logout_error', async () => {
    const services = createFakeServices()
    const { logout: _none, ...withoutLogout } = services.server
    const client = createLoginClient({ platform: services.platform, server: withoutLogout })
    const errors: string[] = []
    client.on('logout_error', (event) => errors.push(event.error.code))
    await client.ensureLogin()
    await client.logout()
    expect(errors).toEqual([])
    client.stop()
  })

  it('never logged in: the server is not called', async () => {
    const services = createFakeServices()
    const client = createLoginClient({ platform: services.platform, server: services.server })
    await client.logout()
    expect(services.count('serverLogout')).toBe(0)
    client.stop()
  })
})

describe('step timeouts given to createLoginClient', () => {
  it('a timeout left undefined (a missing config value) keeps the default instead of timing every try out at once', async () => {
    const services = createFakeServices()
    const client = createLoginClient({
      platform: services.platform,
      server: services.server,
      timeouts: { serverLogin: undefined, wxLogin: undefined },
      retry: { attempts: undefined },
    })
    await expect(client.ensureLogin()).resolves.toMatchObject({ token: 'token-1' })
    expect(client.getSnapshot().context.timeouts).toMatchObject({ serverLogin: 15_000, wxLogin: 10_000 })
    expect(client.getSnapshot().context.retry.attempts).toBe(3)
    client.stop()
  })

  it.each([
    ['zero', 0],
    ['negative', -1],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['NaN', Number.NaN],
    ['longer than a timer can wait', 2 ** 31],
  ])('a %s timeout is a RangeError at creation, not a login that times out at once', (_label, value) => {
    const services = createFakeServices()
    expect(() => createLoginClient({ platform: services.platform, server: services.server, timeouts: { serverLogin: value } })).toThrow(
      RangeError,
    )
    expect(services.count('wxLogin')).toBe(0)
  })
})
