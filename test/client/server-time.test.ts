/**
 * Expiry judged in the developer server's time, whatever the phone's clock
 * says: the server answers `expiresIn` beside `expiresAt`, the client keeps
 * its offset to server time (in memory and with the stored session).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createLoginClient, DEFAULT_STORAGE_KEY, httpSessionServer } from '../../src/index.ts'
import type { LoginClientOptions, PlatformRequestOptions, PlatformResponse } from '../../src/index.ts'
import { createFakeServices, HOUR } from '../support/services/index.ts'

const DAY = 24 * HOUR
const SERVER_NOW = Date.UTC(2026, 2, 1, 8)

beforeEach(() => {
  vi.useFakeTimers({ now: SERVER_NOW })
})
afterEach(() => {
  vi.useRealTimers()
})

/** A phone whose clock is off by `skewMs` (positive: ahead). The fake services run on the real (server) clock. */
function skewedClient(services: ReturnType<typeof createFakeServices>, skewMs: number, extra: Partial<LoginClientOptions> = {}) {
  return createLoginClient({ platform: services.platform, server: services.server, now: () => Date.now() + skewMs, ...extra })
}

describe('a phone clock that is wrong', () => {
  it.each([
    ['ten days ahead', 10 * DAY],
    ['ten days behind', -10 * DAY],
  ])('%s: logs in once, and hands out the session it has, not a fresh login per call', async (_label, skew) => {
    const services = createFakeServices()
    const client = skewedClient(services, skew)
    const first = await client.ensureLogin()
    for (let i = 0; i < 5; i++) await expect(client.ensureLogin()).resolves.toBe(first)
    await client.request({ url: 'https://api.example.com/x' }).catch(() => undefined)
    expect(services.count('wxLogin')).toBe(1)
    expect(services.count('serverLogin')).toBe(1)
    client.stop()
  })

  it('ten days ahead: a relaunch keeps the stored session the server still accepts', async () => {
    const services = createFakeServices()
    const first = skewedClient(services, 10 * DAY)
    const session = await first.ensureLogin()
    first.stop()
    const relaunch = skewedClient(services, 10 * DAY)
    await expect(relaunch.ensureLogin()).resolves.toMatchObject({ token: session.token })
    expect(services.count('wxLogin')).toBe(1)
    expect(services.count('checkServerSession')).toBe(1)
    relaunch.stop()
  })

  it('still logs in again once the session has really expired, in server time', async () => {
    const services = createFakeServices()
    const client = skewedClient(services, -10 * DAY)
    const first = await client.ensureLogin()
    vi.setSystemTime(Date.now() + HOUR + 1)
    const second = await client.ensureLogin()
    expect(second.token).not.toBe(first.token)
    expect(services.count('serverLogin')).toBe(2)
    client.stop()
  })

  it('a relaunch after the session expired in server time logs in afresh without asking WeChat or the server', async () => {
    const services = createFakeServices()
    const first = skewedClient(services, 3 * DAY)
    await first.ensureLogin()
    first.stop()
    vi.setSystemTime(Date.now() + 2 * HOUR)
    const relaunch = skewedClient(services, 3 * DAY)
    await expect(relaunch.ensureLogin()).resolves.toMatchObject({ token: 'token-2' })
    expect(services.count('checkWxSession') + services.count('checkServerSession')).toBe(0)
    relaunch.stop()
  })

  it('a stored session without an offset (an older app version) is kept for the server to judge, however the clock reads it', async () => {
    const services = createFakeServices()
    // Expired by this device's clock, which is a day ahead; the server still accepts it.
    services.storage.set(DEFAULT_STORAGE_KEY, { token: 'old', expiresAt: SERVER_NOW + HOUR })
    const client = skewedClient(services, DAY)
    await expect(client.ensureLogin()).resolves.toMatchObject({ token: 'old' })
    expect(services.count('checkServerSession')).toBe(1)
    expect(services.count('wxLogin')).toBe(0)
    client.stop()
  })

  it('stores the offset to server time with the session', async () => {
    const services = createFakeServices()
    const client = skewedClient(services, 10 * DAY)
    await client.ensureLogin()
    expect(services.storage.get(DEFAULT_STORAGE_KEY)).toMatchObject({
      token: 'token-1',
      expiresAt: SERVER_NOW + HOUR,
      confirmedAt: SERVER_NOW,
      serverOffsetMs: -10 * DAY,
    })
    client.stop()
  })
})

describe('serverCheckWindowMs in server time', () => {
  it('a clock moved back after the confirmation does not make it fresh: the server is asked', async () => {
    const services = createFakeServices()
    const first = skewedClient(services, 0, { serverCheckWindowMs: 60_000 })
    await first.ensureLogin()
    first.stop()
    // The user moves the phone's clock back five hours; the server's clock goes on.
    const relaunch = skewedClient(services, -5 * HOUR, { serverCheckWindowMs: 60_000 })
    await relaunch.ensureLogin()
    expect(services.count('checkServerSession')).toBe(1)
    relaunch.stop()
  })

  it('a clock that was wrong all along still gets the window', async () => {
    const services = createFakeServices()
    const first = skewedClient(services, 7 * DAY, { serverCheckWindowMs: 60_000 })
    await first.ensureLogin()
    first.stop()
    vi.setSystemTime(Date.now() + 30_000)
    const relaunch = skewedClient(services, 7 * DAY, { serverCheckWindowMs: 60_000 })
    await relaunch.ensureLogin()
    expect(services.count('checkServerSession')).toBe(0)
    expect(services.count('checkWxSession')).toBe(1)
    relaunch.stop()
  })
})

describe('the server check renews the confirmation', () => {
  it('a launch outside the window asks the server and stores its yes, so the next launch inside the window does not ask', async () => {
    const services = createFakeServices()
    const launch = async () => {
      const client = skewedClient(services, 0, { serverCheckWindowMs: 60_000 })
      await client.ensureLogin()
      client.stop()
    }
    await launch()
    vi.setSystemTime(Date.now() + 70_000)
    await launch()
    expect(services.count('checkServerSession')).toBe(1)
    expect(services.storage.get(DEFAULT_STORAGE_KEY)).toMatchObject({ confirmedAt: SERVER_NOW + 70_000 })
    vi.setSystemTime(Date.now() + 30_000)
    await launch()
    expect(services.count('checkServerSession')).toBe(1)
    expect(services.count('wxLogin')).toBe(1)
  })
})

describe('a login answer that is no live session', () => {
  it.each([
    ['an expiresAt in seconds', { token: 't', expiresAt: Math.floor(SERVER_NOW / 1000) + 3600, expiresIn: 3_600_000 }],
    ['an expiresAt in microseconds', { token: 't', expiresAt: SERVER_NOW * 1000 }],
    ['a session whose life is over (expiresIn 0)', { token: 't', expiresAt: SERVER_NOW, expiresIn: 0 }],
    ['a session that expired an hour ago', { token: 't', expiresAt: SERVER_NOW - HOUR, expiresIn: -HOUR }],
    ['an expiresIn that is not a number', { token: 't', expiresAt: SERVER_NOW + HOUR, expiresIn: '1h' }],
  ])('fails with invalid_response for %s, and stores nothing', async (_label, answer) => {
    const services = createFakeServices({ answers: { serverLogin: async () => answer as never } })
    const client = skewedClient(services, 0)
    await expect(client.ensureLogin()).rejects.toMatchObject({ code: 'invalid_response', transient: false })
    expect(services.storage.has(DEFAULT_STORAGE_KEY)).toBe(false)
    expect(client.getSnapshot().value).toBe('failed')
    client.stop()
  })

  it('an expiresIn that says no time in milliseconds (the expiry again) does not set the clock to 1970', async () => {
    const answer = { token: 't', expiresAt: SERVER_NOW + HOUR, expiresIn: SERVER_NOW + HOUR }
    const services = createFakeServices({ answers: { serverLogin: async () => answer } })
    const client = skewedClient(services, 0)
    await expect(client.ensureLogin()).resolves.toEqual({ token: 't', expiresAt: SERVER_NOW + HOUR })
    const stored = services.storage.get(DEFAULT_STORAGE_KEY) as { serverOffsetMs?: number }
    expect(stored.serverOffsetMs).toBeUndefined()
    client.stop()
  })

  it('accepts a live session whose expiresAt the device clock calls past, when expiresIn says it lives', async () => {
    const services = createFakeServices()
    const client = skewedClient(services, 2 * DAY)
    await expect(client.ensureLogin()).resolves.toEqual({ token: 'token-1', expiresAt: SERVER_NOW + HOUR })
    client.stop()
  })
})

describe('httpSessionServer: the server time in its answers', () => {
  function answering(respond: (options: PlatformRequestOptions) => PlatformResponse) {
    const seen: number[] = []
    const server = httpSessionServer({
      baseUrl: 'https://api.example.com',
      request: async (options) => respond(options),
      onServerTime: (serverNow) => seen.push(serverNow),
    })
    return { server, seen }
  }

  it('reads expiresIn from the login answer', async () => {
    const { server } = answering(() => ({ statusCode: 200, data: { token: 't', expiresAt: SERVER_NOW + HOUR, expiresIn: HOUR } }))
    await expect(server.login('c')).resolves.toEqual({ token: 't', expiresAt: SERVER_NOW + HOUR, expiresIn: HOUR })
  })

  it('derives expiresIn from the Date header when the server sends none', async () => {
    const date = new Date(SERVER_NOW).toUTCString()
    const { server } = answering(() => ({ statusCode: 200, data: { token: 't', expiresAt: SERVER_NOW + HOUR }, header: { Date: date } }))
    const session = await server.login('c')
    // The header has whole seconds: the middle of that second.
    expect(session.expiresIn).toBe(HOUR - 500)
  })

  it('reports the server time of a session check: expiresAt - expiresIn, else the Date header', async () => {
    const body = answering(() => ({ statusCode: 200, data: { expiresAt: SERVER_NOW + HOUR, expiresIn: HOUR - 2_000 } }))
    await expect(body.server.check({ token: 't', expiresAt: SERVER_NOW + HOUR })).resolves.toBe(true)
    expect(body.seen).toEqual([SERVER_NOW + 2_000])
    const dated = answering(() => ({ statusCode: 200, data: {}, header: { date: new Date(SERVER_NOW).toUTCString() } }))
    await dated.server.check({ token: 't', expiresAt: SERVER_NOW + HOUR })
    expect(dated.seen).toEqual([SERVER_NOW + 500])
    const none = answering(() => ({ statusCode: 200, data: {} }))
    await none.server.check({ token: 't', expiresAt: SERVER_NOW + HOUR })
    expect(none.seen).toEqual([])
  })

  it('a check answer in seconds (expiresAt, expiresIn) is no server time: the Date header is read instead', async () => {
    const date = new Date(SERVER_NOW).toUTCString()
    const seconds = answering(() => ({
      statusCode: 200,
      data: { expiresAt: (SERVER_NOW + HOUR) / 1000, expiresIn: HOUR / 1000 },
      header: { Date: date },
    }))
    await expect(seconds.server.check({ token: 't', expiresAt: SERVER_NOW + HOUR })).resolves.toBe(true)
    expect(seconds.seen).toEqual([SERVER_NOW + 500])
  })

  it('a client whose session check answers in seconds keeps its offset to server time and stores no 1970 clock', async () => {
    const storage = new Map<string, unknown>()
    const platform = {
      ...createFakeServices().platform,
      storage: {
        get: (key: string) => storage.get(key),
        set: (key: string, value: unknown) => void storage.set(key, structuredClone(value)),
        remove: (key: string) => void storage.delete(key),
      },
      request: async (options: PlatformRequestOptions): Promise<PlatformResponse> => {
        const expiresAt = SERVER_NOW + 2 * HOUR
        if (options.url.endsWith('/auth/login'))
          return { statusCode: 200, data: { token: 'tok', expiresAt, expiresIn: expiresAt - Date.now() } }
        if (options.url.endsWith('/auth/session')) return { statusCode: 200, data: { expiresAt: expiresAt / 1000, expiresIn: 7200 } }
        return { statusCode: 200, data: {} }
      },
    }
    const server = { baseUrl: 'https://api.example.com' }
    const first = createLoginClient({ platform, server })
    await first.ensureLogin()
    first.stop()
    const relaunch = createLoginClient({ platform, server })
    await relaunch.ensureLogin()
    expect(relaunch.getSnapshot().value).toBe('authenticated')
    const stored = storage.get(DEFAULT_STORAGE_KEY) as { serverOffsetMs?: number; confirmedAt?: number }
    expect(Math.abs(stored.serverOffsetMs ?? Number.NaN)).toBeLessThan(60_000)
    expect(stored.confirmedAt).toBeGreaterThan(SERVER_NOW - HOUR)
    relaunch.stop()
  })

  it('an expiresIn in seconds beside an expiresAt in milliseconds: the Date header decides, login and check alike', async () => {
    const date = { Date: new Date(SERVER_NOW).toUTCString() }
    const seconds = { expiresAt: SERVER_NOW + 2 * HOUR, expiresIn: 7_200 }
    const login = answering(() => ({ statusCode: 200, data: { token: 't', ...seconds }, header: date }))
    // Read as milliseconds, the server's time would be 7.2 s short of the expiry; the header says two hours.
    expect((await login.server.login('c')).expiresIn).toBe(2 * HOUR)
    const check = answering(() => ({ statusCode: 200, data: seconds, header: date }))
    await expect(check.server.check({ token: 't', expiresAt: SERVER_NOW + 2 * HOUR })).resolves.toBe(true)
    expect(check.seen).toEqual([SERVER_NOW])
    // Without a header, or with one that agrees with neither reading, the body is taken as the contract says.
    const bare = answering(() => ({ statusCode: 200, data: { token: 't', ...seconds } }))
    expect((await bare.server.login('c')).expiresIn).toBe(7_200)
    const odd = answering(() => ({ statusCode: 200, data: { token: 't', ...seconds }, header: { Date: new Date(0).toUTCString() } }))
    expect((await odd.server.login('c')).expiresIn).toBe(7_200)
  })

  it('a client whose server answers expiresIn in seconds keeps its session instead of logging in every few seconds', async () => {
    let serverLogins = 0
    const platform = {
      ...createFakeServices().platform,
      request: async (options: PlatformRequestOptions): Promise<PlatformResponse> => {
        const header = { Date: new Date(Date.now()).toUTCString() }
        if (options.url.endsWith('/auth/login')) {
          serverLogins += 1
          return { statusCode: 200, data: { token: `tok-${serverLogins}`, expiresAt: Date.now() + 2 * HOUR, expiresIn: 7_200 }, header }
        }
        return { statusCode: 200, data: {}, header }
      },
    }
    const client = createLoginClient({ platform, server: { baseUrl: 'https://api.example.com' } })
    const first = await client.ensureLogin()
    vi.setSystemTime(Date.now() + 60_000)
    await expect(client.ensureLogin()).resolves.toBe(first)
    expect(serverLogins).toBe(1)
    client.stop()
  })

  it('a check answered 200 with an error body is no "valid": session_expired logs in again, another error fails typed', async () => {
    const expired = answering(() => ({ statusCode: 200, data: { error: 'session_expired', message: 'gone' } }))
    await expect(expired.server.check({ token: 't', expiresAt: SERVER_NOW + HOUR })).resolves.toBe(false)
    const broken = answering(() => ({ statusCode: 200, data: { error: 'internal_error', message: 'the server failed' } }))
    await expect(broken.server.check({ token: 't', expiresAt: SERVER_NOW + HOUR })).rejects.toMatchObject({
      name: 'LoginError',
      code: 'invalid_response',
      message: 'session check answered HTTP 200 (internal_error)',
    })
    expect(broken.seen).toEqual([])
    // An error the contract does not know is not quoted: it is the server's text and may hold personal data.
    const odd = answering(() => ({ statusCode: 200, data: { error: 'phone 13800138000 already bound' } }))
    const refused = await odd.server.check({ token: 't', expiresAt: SERVER_NOW + HOUR }).catch((error: unknown) => error)
    expect(refused).toMatchObject({ name: 'LoginError', code: 'invalid_response' })
    expect((refused as Error).message).not.toContain('13800138000')
  })

  it('a client over HTTP learns the server time from the check and corrects a clock changed between launches', async () => {
    let serverLogins = 0
    const storage = new Map<string, unknown>()
    const platform = {
      ...createFakeServices().platform,
      storage: {
        get: (key: string) => storage.get(key),
        set: (key: string, value: unknown) => void storage.set(key, structuredClone(value)),
        remove: (key: string) => void storage.delete(key),
      },
      request: async (options: PlatformRequestOptions): Promise<PlatformResponse> => {
        const expiresAt = SERVER_NOW + 2 * HOUR
        if (options.url.endsWith('/auth/login')) {
          serverLogins += 1
          return { statusCode: 200, data: { token: 'tok', expiresAt, expiresIn: expiresAt - Date.now() } }
        }
        if (options.url.endsWith('/auth/session')) return { statusCode: 200, data: { expiresAt, expiresIn: expiresAt - Date.now() } }
        return { statusCode: 200, data: {} }
      },
    }
    const server = { baseUrl: 'https://api.example.com' }
    const first = createLoginClient({ platform, server })
    await first.ensureLogin()
    first.stop()
    // Moved a day ahead between launches: the stored offset is stale, so the stored session looks expired.
    // The launch throws it away and logs in afresh; from then on the new offset holds.
    const relaunch = createLoginClient({ platform, server, now: () => Date.now() + DAY })
    await relaunch.ensureLogin()
    expect(serverLogins).toBe(2)
    expect(storage.get(DEFAULT_STORAGE_KEY)).toMatchObject({ serverOffsetMs: -DAY })
    relaunch.stop()
    // Moved back a day: the offset stored says the session has two hours; the check confirms and re-syncs.
    const again = createLoginClient({ platform, server })
    await again.ensureLogin()
    expect(serverLogins).toBe(2)
    expect(storage.get(DEFAULT_STORAGE_KEY)).toMatchObject({ serverOffsetMs: 0 })
    again.stop()
  })
})
