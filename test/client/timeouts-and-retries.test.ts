import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { PLATFORM_GRACE_MS } from '../../machines/index.ts'
import { createLoginClient, DEFAULT_STORAGE_KEY, LoginError } from '../../src/index.ts'
import type { LoginClient } from '../../src/index.ts'
import { createFakeServices, HOUR, never } from '../support/services/index.ts'

const TIMEOUTS = { readSession: 100, checkWxSession: 200, checkServerSession: 300, wxLogin: 400, serverLogin: 500 }
const RETRY = { attempts: 3, baseDelayMs: 10, maxDelayMs: 100 }

function storedSession(services: ReturnType<typeof createFakeServices>): void {
  services.storage.set(DEFAULT_STORAGE_KEY, { token: 'stored', expiresAt: Date.now() + HOUR })
}

/** Lets the client run until the flow settles, advancing the fake clock as far as needed. */
async function settle(client: LoginClient, promise: Promise<unknown>): Promise<PromiseSettledResult<unknown>> {
  const outcome = Promise.allSettled([promise])
  await vi.runAllTimersAsync()
  const [result] = await outcome
  expect(['authenticated', 'failed']).toContain(client.getSnapshot().value)
  return result as PromiseSettledResult<unknown>
}

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

describe('timeouts: every step has its own', () => {
  it('a storage that never answers is treated as no session', async () => {
    const services = createFakeServices({ answers: { readSession: () => never() } })
    const client = createLoginClient({ platform: services.platform, server: services.server, timeouts: TIMEOUTS, retry: RETRY })
    const result = await settle(client, client.ensureLogin())
    expect(result.status).toBe('fulfilled')
    expect(services.count('wxLogin')).toBe(1)
    client.stop()
  })

  it("wx.checkSession that never answers sends the flow to wx.login, whatever the server's check said", async () => {
    const services = createFakeServices({ answers: { checkWxSession: () => never() } })
    storedSession(services)
    const client = createLoginClient({ platform: services.platform, server: services.server, timeouts: TIMEOUTS, retry: RETRY })
    const result = await settle(client, client.ensureLogin())
    // The server check ran beside wx.checkSession and said yes; without WeChat's yes it does not count.
    expect(services.count('checkServerSession')).toBe(1)
    expect(result).toMatchObject({ status: 'fulfilled', value: { token: 'token-1' } })
    expect(services.count('wxLogin')).toBe(1)
    client.stop()
  })

  it('a server check that never answers is retried, then fails with timeout', async () => {
    const services = createFakeServices({ answers: { checkServerSession: () => never() } })
    storedSession(services)
    const client = createLoginClient({ platform: services.platform, server: services.server, timeouts: TIMEOUTS, retry: RETRY })
    const result = await settle(client, client.ensureLogin())
    expect(result.status).toBe('rejected')
    expect((result as PromiseRejectedResult).reason).toMatchObject({ code: 'timeout', transient: true })
    expect(services.count('checkServerSession')).toBe(3)
    expect(client.getSnapshot().context.error?.message).toContain('checkServerSession')
    client.stop()
  })

  it('wx.login that times out (as the platform promises to, within the timeout it was given) is retried, then fails with timeout', async () => {
    const services = createFakeServices({
      answers: {
        wxLogin: ({ timeout }) => new Promise((_, reject) => setTimeout(() => reject(new LoginError('timeout')), timeout)),
      },
    })
    const client = createLoginClient({ platform: services.platform, server: services.server, timeouts: TIMEOUTS, retry: RETRY })
    const result = await settle(client, client.ensureLogin())
    expect((result as PromiseRejectedResult).reason).toMatchObject({ code: 'timeout' })
    expect(services.count('wxLogin')).toBe(3)
    client.stop()
  })

  it('never starts a second wx.login while a broken platform still has one open, and still fails with timeout', async () => {
    const services = createFakeServices({ answers: { wxLogin: () => never() } })
    const client = createLoginClient({ platform: services.platform, server: services.server, timeouts: TIMEOUTS, retry: RETRY })
    const result = await settle(client, client.ensureLogin())
    expect((result as PromiseRejectedResult).reason).toMatchObject({ code: 'timeout' })
    expect(services.count('wxLogin')).toBe(1)
    client.stop()
  })

  it('passes its wx.login timeout to the platform', async () => {
    const services = createFakeServices()
    const client = createLoginClient({ platform: services.platform, server: services.server, timeouts: TIMEOUTS })
    const login = vi.spyOn(services.platform, 'login')
    await settle(client, client.ensureLogin())
    expect(login).toHaveBeenCalledWith({ timeout: 400 })
    client.stop()
  })

  it('a server login that never answers is retried with the same code, then fails with timeout', async () => {
    const services = createFakeServices({ answers: { serverLogin: () => never() } })
    const client = createLoginClient({ platform: services.platform, server: services.server, timeouts: TIMEOUTS, retry: RETRY })
    const seen: string[] = []
    services.answers.serverLogin = (code) => {
      seen.push(code)
      return never()
    }
    const result = await settle(client, client.ensureLogin())
    expect((result as PromiseRejectedResult).reason).toMatchObject({ code: 'timeout' })
    expect(seen).toEqual(['code-1', 'code-1', 'code-1'])
    client.stop()
  })

  it('ignores an answer that arrives after its step timed out, and starts the next wx.login only once that one settled', async () => {
    const services = createFakeServices()
    const started: number[] = []
    // A broken platform: it answers after the deadline it was given, 50 ms after the machine gave up on it.
    const lateBy = TIMEOUTS.wxLogin + PLATFORM_GRACE_MS + 50
    services.answers.wxLogin = () => {
      started.push(Date.now())
      return services.count('wxLogin') === 1
        ? new Promise((resolve) => setTimeout(() => resolve({ code: 'late' }), lateBy))
        : Promise.resolve({ code: 'second' })
    }
    const client = createLoginClient({ platform: services.platform, server: services.server, timeouts: TIMEOUTS, retry: RETRY })
    const seen: string[] = []
    const original = services.answers.serverLogin
    services.answers.serverLogin = (code) => {
      seen.push(code)
      return original(code)
    }
    const result = await settle(client, client.ensureLogin())
    expect(result.status).toBe('fulfilled')
    expect(seen).toEqual(['second'])
    expect(started).toHaveLength(2)
    expect((started[1] ?? 0) - (started[0] ?? 0)).toBeGreaterThanOrEqual(lateBy)
    expect(client.getSnapshot().value).toBe('authenticated')
    client.stop()
  })
})

describe('retries: bounded, with backoff, only for transient failures', () => {
  it('retries a transient server failure and succeeds', async () => {
    const services = createFakeServices()
    const original = services.answers.serverLogin
    services.answers.serverLogin = (code) =>
      services.count('serverLogin') < 3 ? Promise.reject(new LoginError('server_error')) : original(code)
    const client = createLoginClient({ platform: services.platform, server: services.server, retry: RETRY })
    const result = await settle(client, client.ensureLogin())
    expect(result.status).toBe('fulfilled')
    expect(services.count('serverLogin')).toBe(3)
    expect(services.count('wxLogin')).toBe(1)
    client.stop()
  })

  it('counts a custom server rejection that is not a LoginError as a transient server_error', async () => {
    const services = createFakeServices({ answers: { serverLogin: () => Promise.reject(new Error('boom')) } })
    const client = createLoginClient({ platform: services.platform, server: services.server, retry: RETRY })
    const result = await settle(client, client.ensureLogin())
    const reason = (result as PromiseRejectedResult).reason as LoginError
    expect(reason).toMatchObject({ code: 'server_error', transient: true })
    expect((reason.cause as Error).message).toBe('boom')
    expect(services.count('serverLogin')).toBe(3)
    client.stop()
  })

  it('waits between tries: no retry before the backoff has passed', async () => {
    const services = createFakeServices({ answers: { wxLogin: () => Promise.reject(new LoginError('wx_login_failed')) } })
    const client = createLoginClient({
      platform: services.platform,
      server: services.server,
      retry: { attempts: 3, baseDelayMs: 1_000, maxDelayMs: 8_000 },
      random: () => 0,
    })
    const pending = client.ensureLogin().catch((e: unknown) => e)
    await vi.advanceTimersByTimeAsync(0)
    expect(services.count('wxLogin')).toBe(1)
    await vi.advanceTimersByTimeAsync(499)
    expect(services.count('wxLogin')).toBe(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(services.count('wxLogin')).toBe(2)
    await vi.advanceTimersByTimeAsync(999)
    expect(services.count('wxLogin')).toBe(2)
    await vi.advanceTimersByTimeAsync(1)
    expect(services.count('wxLogin')).toBe(3)
    await expect(pending).resolves.toMatchObject({ code: 'wx_login_failed' })
    client.stop()
  })

  it('goes back to wx.login once for an invalid or used code, then gives up', async () => {
    const services = createFakeServices({ answers: { serverLogin: () => Promise.reject(new LoginError('code_used')) } })
    const client = createLoginClient({ platform: services.platform, server: services.server, retry: RETRY })
    const result = await settle(client, client.ensureLogin())
    expect((result as PromiseRejectedResult).reason).toMatchObject({ code: 'code_used' })
    expect(services.count('wxLogin')).toBe(2)
    expect(services.count('serverLogin')).toBe(2)
    client.stop()
  })

  it('succeeds with the fresh code when only the first was refused', async () => {
    const services = createFakeServices()
    const original = services.answers.serverLogin
    services.answers.serverLogin = (code) => (code === 'code-1' ? Promise.reject(new LoginError('invalid_code')) : original(code))
    const client = createLoginClient({ platform: services.platform, server: services.server, retry: RETRY })
    const result = await settle(client, client.ensureLogin())
    expect(result.status).toBe('fulfilled')
    expect(services.count('wxLogin')).toBe(2)
    client.stop()
  })

  it('fails at once for a high-risk user', async () => {
    const services = createFakeServices({ answers: { serverLogin: () => Promise.reject(new LoginError('high_risk_user')) } })
    const client = createLoginClient({ platform: services.platform, server: services.server, retry: RETRY })
    const result = await settle(client, client.ensureLogin())
    expect((result as PromiseRejectedResult).reason).toMatchObject({ code: 'high_risk_user' })
    expect(services.count('serverLogin')).toBe(1)
    client.stop()
  })

  it('does not retry when the server asks to wait longer than the longest backoff', async () => {
    const services = createFakeServices({
      answers: {
        serverLogin: () => Promise.reject(new LoginError('rate_limited', undefined, { retryAfterMs: 60_000 })),
      },
    })
    const client = createLoginClient({ platform: services.platform, server: services.server, retry: RETRY })
    const result = await settle(client, client.ensureLogin())
    expect((result as PromiseRejectedResult).reason).toMatchObject({ code: 'rate_limited', retryAfterMs: 60_000 })
    expect(services.count('serverLogin')).toBe(1)
    client.stop()
  })

  it('an expired server session goes to wx.login without retrying', async () => {
    const services = createFakeServices({ answers: { checkServerSession: async () => false } })
    storedSession(services)
    const client = createLoginClient({ platform: services.platform, server: services.server, retry: RETRY })
    const result = await settle(client, client.ensureLogin())
    expect(result).toMatchObject({ status: 'fulfilled', value: { token: 'token-1' } })
    expect(services.count('checkServerSession')).toBe(1)
    client.stop()
  })
})

describe('serverCheckWindowMs', () => {
  it('skips the server check at launch when the server confirmed the session within the window', async () => {
    const services = createFakeServices()
    const storage = services.storage
    const first = createLoginClient({ platform: services.platform, server: services.server, serverCheckWindowMs: 60_000 })
    await settle(first, first.ensureLogin())
    first.stop()

    const relaunch = createLoginClient({ platform: services.platform, server: services.server, serverCheckWindowMs: 60_000 })
    await settle(relaunch, relaunch.ensureLogin())
    expect(services.count('checkWxSession')).toBe(1)
    expect(services.count('checkServerSession')).toBe(0)
    expect(storage.get(DEFAULT_STORAGE_KEY)).toMatchObject({ token: 'token-1' })

    vi.setSystemTime(Date.now() + 61_000)
    const later = createLoginClient({ platform: services.platform, server: services.server, serverCheckWindowMs: 60_000 })
    await settle(later, later.ensureLogin())
    expect(services.count('checkServerSession')).toBe(1)
    expect(services.count('wxLogin')).toBe(1)
    relaunch.stop()
    later.stop()
  })

  it('asks the server at every launch by default', async () => {
    const services = createFakeServices()
    const first = createLoginClient({ platform: services.platform, server: services.server })
    await settle(first, first.ensureLogin())
    first.stop()
    const relaunch = createLoginClient({ platform: services.platform, server: services.server })
    await settle(relaunch, relaunch.ensureLogin())
    expect(services.count('checkServerSession')).toBe(1)
    relaunch.stop()
  })

  it('refresh() asks the server even inside the window', async () => {
    const services = createFakeServices()
    const client = createLoginClient({ platform: services.platform, server: services.server, serverCheckWindowMs: 60_000 })
    await settle(client, client.ensureLogin())
    await settle(client, client.refresh())
    expect(services.count('checkServerSession')).toBe(1)
    client.stop()
  })
})
