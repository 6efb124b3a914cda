/**
 * What a developer reads when something goes wrong: the code, and a message
 * that says what happened and what to do. And the small rules callers rely on
 * (URLs, headers, statuses, stored fields), each one pinned.
 */
import { describe, expect, it, vi } from 'vitest'
import { createLoginClient, DEFAULT_STORAGE_KEY, httpSessionServer, LoginError } from '../../src/index.ts'
import type { PlatformRequestOptions, PlatformResponse, Session } from '../../src/index.ts'
import { originOf } from '../../src/client/authenticated-request.ts'
import { isSessionServer, resolveUrl } from '../../src/client/http-session-server/http-session-server.ts'
import { errorFromResponse, retryAfterMs } from '../../src/client/http-session-server/http-errors.ts'
import { readStoredSession, removeStoredSession, writeStoredSession } from '../../src/client/session-storage.ts'
import { createServerClock, serverTimeOf } from '../../src/client/server-clock.ts'
import { deferred } from '../support/services/index.ts'
import { loginRejection as rejection } from '../support/rejection.ts'
import { createFakeServices, HOUR, never } from '../support/services/index.ts'

const API = 'https://api.example.com'

describe('messages of request()', () => {
  it('says why a URL is refused', async () => {
    const services = createFakeServices()
    const bare = createLoginClient({ platform: services.platform, server: services.server })
    expect((await rejection(bare.request({ url: '/api/me' }))).message).toBe(
      "request(): '/api/me' is relative and the client has no apiBaseUrl",
    )
    const client = createLoginClient({ platform: services.platform, server: services.server, apiBaseUrl: API })
    expect((await rejection(client.request({ url: 'https://evil.example.net/x' }))).message).toBe(
      'request(): refusing to send the session token to https://evil.example.net; add the origin to trustedOrigins if it is yours',
    )
    expect((await rejection(client.request({ url: 'ftp://api.example.com/x' }))).message).toBe(
      'request(): refusing to send the session token to a non-http(s) URL; add the origin to trustedOrigins if it is yours',
    )
    expect(services.count('request')).toBe(0)
    bare.stop()
    client.stop()
  })

  it('names the method (GET by default) and the URL of a request refused twice', async () => {
    const services = createFakeServices({ answers: { request: async () => ({ statusCode: 401, data: {} }) } })
    const client = createLoginClient({ platform: services.platform, server: services.server, apiBaseUrl: API })
    const get = await rejection(client.request({ url: `${API}/x` }))
    expect([get.code, get.message]).toEqual(['unauthorized', `GET ${API}/x was refused (401) even after a fresh login`])
    const post = await rejection(client.request({ url: `${API}/y`, method: 'POST' }))
    expect(post.message).toBe(`POST ${API}/y was refused (401) even after a fresh login`)
    client.stop()
  })

  it("leaves a URL's query and fragment out of its messages: an app may put a phone number or a token there", async () => {
    const services = createFakeServices({ answers: { request: async () => ({ statusCode: 401, data: {} }) } })
    const client = createLoginClient({ platform: services.platform, server: services.server, apiBaseUrl: API })
    const refused = await rejection(client.request({ url: `${API}/orders?phone=13800138000&sig=s3cr3t#k=v` }))
    expect(refused.message).toBe(`GET ${API}/orders?… was refused (401) even after a fresh login`)
    const bare = createLoginClient({ platform: services.platform, server: services.server })
    const relative = await rejection(bare.request({ url: '/orders#13800138000' }))
    expect(relative.message).toBe("request(): '/orders?…' is relative and the client has no apiBaseUrl")
    for (const error of [refused, relative]) expect(`${error.message} ${String(error.stack)}`).not.toMatch(/13800138000|s3cr3t/)
    bare.stop()
    client.stop()
  })

  it('says a 401 after logout starts no login, and what a logged-out client needs', async () => {
    const services = createFakeServices()
    const client = createLoginClient({ platform: services.platform, server: services.server, apiBaseUrl: API })
    await client.ensureLogin()
    const answer = deferred<PlatformResponse>()
    services.answers.request = () => answer.promise
    const pending = client.request({ url: `${API}/orders`, method: 'PUT' })
    const withoutMethod = client.request({ url: `${API}/orders` })
    await vi.waitFor(() => expect(services.count('request')).toBe(2))
    await client.logout()
    answer.resolve({ statusCode: 401, data: {} })
    expect((await rejection(pending)).message).toBe(`PUT ${API}/orders was refused (401) after a logout; no login is started for it`)
    expect((await rejection(withoutMethod)).message).toBe(`GET ${API}/orders was refused (401) after a logout; no login is started for it`)
    expect((await rejection(client.request({ url: `${API}/a` }))).message).toBe(
      'request(): logged out; call ensureLogin() or start() to log in again',
    )
    expect((await rejection(client.refresh())).message).toBe('refresh(): logged out; call ensureLogin() or start() to log in again')
    client.stop()
  })

  it('a request queued at logout is told so', async () => {
    const services = createFakeServices()
    const client = createLoginClient({ platform: services.platform, server: services.server, apiBaseUrl: API, maxConcurrentRequests: 1 })
    await client.ensureLogin()
    services.answers.request = () => never()
    void client.request({ url: `${API}/a` }).catch(() => undefined)
    const queued = client.request({ url: `${API}/b` })
    await vi.waitFor(() => expect(client.requestScheduler.queued).toBe(1))
    await client.logout()
    expect((await rejection(queued)).message).toBe('request(): logged out; call ensureLogin() or start() to log in again')
    client.stop()
  })

  it('a request that was replaced by a logout between the re-login and the replay rejects with aborted', async () => {
    const services = createFakeServices({ answers: { request: async () => ({ statusCode: 401, data: {} }) } })
    const client = createLoginClient({ platform: services.platform, server: services.server, apiBaseUrl: API })
    await client.ensureLogin()
    const relogin = deferred<Session>()
    services.answers.serverLogin = () => relogin.promise
    const pending = client.request({ url: `${API}/a` })
    await vi.waitFor(() => expect(services.count('serverLogin')).toBe(2))
    relogin.resolve({ token: 'second', expiresAt: Date.now() + HOUR, expiresIn: HOUR })
    // The re-login resolves the request's wait; the logout comes before its replay goes out.
    await Promise.resolve()
    await client.logout()
    const error = await rejection(pending)
    expect(error.code).toBe('aborted')
    expect(services.count('request')).toBe(1)
    client.stop()
  })
})

describe('messages of the services and storage', () => {
  it('a session check that is not a boolean says what it answered', async () => {
    const services = createFakeServices({ answers: { checkServerSession: async () => ({ valid: false }) as never } })
    services.storage.set(DEFAULT_STORAGE_KEY, { token: 's', expiresAt: Date.now() + HOUR })
    const client = createLoginClient({ platform: services.platform, server: services.server })
    expect((await rejection(client.ensureLogin())).message).toBe('the session check answered object, not true or false')
    client.stop()
  })

  it('a wx.login without a code, and a session already over, say so', async () => {
    const noCode = createFakeServices({ answers: { wxLogin: async () => ({ code: '' }) } })
    const a = createLoginClient({ platform: noCode.platform, server: noCode.server })
    expect((await rejection(a.ensureLogin())).message).toBe('wx.login answered without a code')
    a.stop()
    const over = createFakeServices({ answers: { serverLogin: async () => ({ token: 't', expiresAt: Date.now(), expiresIn: 0 }) } })
    const b = createLoginClient({ platform: over.platform, server: over.server })
    expect((await rejection(b.ensureLogin())).message).toBe('the developer server answered a session that has already expired')
    b.stop()
  })

  it('a session without expiresIn is judged by the server time the client has (none yet: the device clock cannot refuse it)', async () => {
    const services = createFakeServices({ answers: { serverLogin: async () => ({ token: 't', expiresAt: Date.now() - HOUR }) } })
    const client = createLoginClient({ platform: services.platform, server: services.server })
    await expect(client.ensureLogin()).resolves.toEqual({ token: 't', expiresAt: expect.any(Number) })
    client.stop()
  })

  it('a session without expiresIn that is over by a known server time is refused', async () => {
    const services = createFakeServices({ answers: { serverLogin: async () => ({ token: 't', expiresAt: Date.now() - HOUR }) } })
    services.storage.set(DEFAULT_STORAGE_KEY, { token: 'old', expiresAt: Date.now() - 1, serverOffsetMs: 0 })
    const client = createLoginClient({ platform: services.platform, server: services.server })
    await expect(client.ensureLogin()).rejects.toMatchObject({ code: 'invalid_response' })
    client.stop()
  })

  it('storage failures say which operation failed, and keep the cause', async () => {
    const cause = new Error('disk')
    const failing = {
      get: () => {
        throw cause
      },
      set: () => {
        throw cause
      },
      remove: () => {
        throw cause
      },
    }
    await expect(readStoredSession(failing, 'k')).rejects.toMatchObject({
      code: 'storage_error',
      message: 'could not read the stored session',
      cause,
    })
    expect(() => writeStoredSession(failing, 'k', { token: 't', expiresAt: 2e12 })).toThrow(
      expect.objectContaining({ code: 'storage_error', message: 'could not store the session', cause }),
    )
    expect(() => removeStoredSession(failing, 'k')).toThrow(
      expect.objectContaining({ code: 'storage_error', message: 'could not remove the stored session', cause }),
    )
  })

  it('a remove that fails while clearing is reported with operation remove', async () => {
    const services = createFakeServices({
      answers: {
        storageRemove: () => {
          throw new Error('removeStorageSync:fail')
        },
      },
    })
    const client = createLoginClient({ platform: services.platform, server: services.server })
    const events: string[] = []
    client.on('storage_error', (event) => events.push(`${event.operation}:${event.error.code}`))
    // Launching with nothing stored clears storage once; logging out, again.
    await client.ensureLogin()
    expect(events).toEqual(['remove:storage_error'])
    await client.logout()
    expect(events).toEqual(['remove:storage_error', 'remove:storage_error'])
    client.stop()
  })

  it('the developer server says which call answered what', () => {
    expect(errorFromResponse({ statusCode: 401, data: { error: 'invalid_code' } }, 'login').message).toBe(
      'login answered HTTP 401 (invalid_code)',
    )
    expect(errorFromResponse({ statusCode: 503, data: { error: 5 } }, 'session check').message).toBe('session check answered HTTP 503')
    expect(errorFromResponse({ statusCode: 500, data: null }, 'logout')).toMatchObject({
      code: 'server_error',
      message: 'logout answered HTTP 500',
    })
  })

  it('names the call in the message of each of its failures', async () => {
    const server = httpSessionServer({ baseUrl: API, request: async () => ({ statusCode: 500, data: {} }) })
    const session = { token: 't', expiresAt: 2e12 }
    expect((await rejection(server.login('c'))).message).toBe('login answered HTTP 500')
    expect((await rejection(server.check(session))).message).toBe('session check answered HTTP 500')
    expect((await rejection(server.logout?.(session) ?? Promise.resolve())).message).toBe('logout answered HTTP 500')
  })
})

describe('rules callers rely on', () => {
  it('originOf: scheme and host in lower case, the default port dropped, anything else kept', () => {
    expect(originOf('  HTTPS://API.Example.com:443/x  ')).toBe('https://api.example.com')
    expect(originOf('http://a.example.com:80/x')).toBe('http://a.example.com')
    expect(originOf('https://a.example.com:80/x')).toBe('https://a.example.com:80')
    expect(originOf('http://a.example.com:443/x')).toBe('http://a.example.com:443')
    expect(originOf('https://a.example.com:4430/x')).toBe('https://a.example.com:4430')
    expect(originOf('ftp://a.example.com/')).toBeUndefined()
  })

  it('relative and absolute request URLs', async () => {
    const services = createFakeServices()
    const client = createLoginClient({ platform: services.platform, server: services.server, apiBaseUrl: API })
    await client.request({ url: '/a//b?next=https://x' })
    await client.request({ url: 'v1:thing' }).catch(() => undefined)
    await expect(client.request({ url: ' //evil.example.net/x' })).rejects.toMatchObject({ code: 'invalid_request' })
    await expect(client.request({ url: 'h2tp://api.example.com/x' })).rejects.toMatchObject({ code: 'invalid_request' })
    expect(services.requests.map((r) => r.url)).toEqual([`${API}/a//b?next=https://x`])
    client.stop()
  })

  it('resolveUrl joins without doubling or dropping slashes, and leaves absolute URLs alone', () => {
    expect(resolveUrl('https://a.example.com//', '//auth/login')).toBe('https://a.example.com/auth/login')
    expect(resolveUrl('https://a.example.com', 'auth')).toBe('https://a.example.com/auth')
    expect(resolveUrl('https://a.example.com/', 'HTTP://other.example.com/x')).toBe('HTTP://other.example.com/x')
    expect(resolveUrl('https://a.example.com/', 'https://other.example.com/x')).toBe('https://other.example.com/x')
    expect(resolveUrl('https://a.example.com/', 'x/https://y')).toBe('https://a.example.com/x/https://y')
  })

  it('isSessionServer wants both login and check', () => {
    expect(isSessionServer({ login: async () => ({ token: 't', expiresAt: 1 }) } as never)).toBe(false)
    expect(isSessionServer({ check: async () => true } as never)).toBe(false)
    expect(isSessionServer({ login: async () => ({ token: 't', expiresAt: 1 }), check: async () => true })).toBe(true)
    expect(isSessionServer({ baseUrl: API })).toBe(false)
  })

  it('sends JSON, the configured timeout (none when not configured), and the token on logout', async () => {
    const sent: PlatformRequestOptions[] = []
    const answer = async (options: PlatformRequestOptions) => {
      sent.push(options)
      return { statusCode: options.url.endsWith('/auth/login') ? 200 : 204, data: { token: 't', expiresAt: 2e12 } }
    }
    const timed = httpSessionServer({ baseUrl: API, request: answer, timeoutMs: 1234 })
    await timed.login('c')
    const plain = httpSessionServer({ baseUrl: API, request: answer })
    await plain.logout?.({ token: 'tok', expiresAt: 2e12 })
    expect(sent[0]).toMatchObject({ timeout: 1234, header: { 'content-type': 'application/json' } })
    expect(sent[1]).not.toHaveProperty('timeout')
    expect(sent[1]?.header).toEqual({ 'content-type': 'application/json', Authorization: 'Bearer tok' })
  })

  it('a logout answered 200, 299 or 401 is done; 300 is not', async () => {
    const session = { token: 't', expiresAt: 2e12 }
    for (const statusCode of [200, 204, 299, 401]) {
      await expect(
        httpSessionServer({ baseUrl: API, request: async () => ({ statusCode, data: '' }) }).logout?.(session),
      ).resolves.toBeUndefined()
    }
    for (const statusCode of [199, 300, 404]) {
      await expect(
        httpSessionServer({ baseUrl: API, request: async () => ({ statusCode, data: '' }) }).logout?.(session),
      ).rejects.toBeInstanceOf(LoginError)
    }
  })

  it('server time from a check: the body wins over the Date header; odd bodies fall back or say nothing', async () => {
    const date = new Date(Date.UTC(2026, 2, 1, 8)).toUTCString()
    const at = (data: unknown, header?: Record<string, string>) => {
      const seen: number[] = []
      const server = httpSessionServer({
        baseUrl: API,
        request: async () => ({ statusCode: 200, data, ...(header ? { header } : {}) }),
        onServerTime: (now) => seen.push(now),
      })
      return server.check({ token: 't', expiresAt: 2e12 }).then((valid) => ({ valid, seen }))
    }
    const fromDate = Date.UTC(2026, 2, 1, 8) + 500
    const T = Date.UTC(2026, 2, 1, 7)
    await expect(at({ expiresAt: T + 5_000, expiresIn: 1_000 }, { Date: date })).resolves.toEqual({ valid: true, seen: [T + 4_000] })
    // A body in seconds (or any difference that is no time in ms) says nothing: the Date header decides.
    await expect(at({ expiresAt: 5_000, expiresIn: 1_000 }, { Date: date })).resolves.toEqual({ valid: true, seen: [fromDate] })
    await expect(at({ expiresAt: 5_000 }, { Date: date })).resolves.toEqual({ valid: true, seen: [fromDate] })
    await expect(at({ expiresIn: 1_000 }, { Date: date })).resolves.toEqual({ valid: true, seen: [fromDate] })
    await expect(at({ expiresAt: String(T + 5_000), expiresIn: 1_000 }, { Date: date })).resolves.toEqual({ valid: true, seen: [fromDate] })
    await expect(at({ expiresAt: Number.POSITIVE_INFINITY, expiresIn: 1_000 })).resolves.toEqual({ valid: true, seen: [] })
    await expect(at(null, { Date: 'not a date' })).resolves.toEqual({ valid: true, seen: [] })
    await expect(at('ok')).resolves.toEqual({ valid: true, seen: [] })
    // No hook: nothing breaks.
    await expect(
      httpSessionServer({ baseUrl: API, request: async () => ({ statusCode: 200, data: { expiresAt: 2, expiresIn: 1 } }) }).check({
        token: 't',
        expiresAt: 2e12,
      }),
    ).resolves.toBe(true)
  })

  it("a login answer's own expiresIn wins over its Date header", async () => {
    const server = httpSessionServer({
      baseUrl: API,
      request: async () => ({
        statusCode: 200,
        data: { token: 't', expiresAt: 2e12, expiresIn: 1_000 },
        header: { date: new Date(0).toUTCString() },
      }),
    })
    await expect(server.login('c')).resolves.toEqual({ token: 't', expiresAt: 2e12, expiresIn: 1_000 })
  })

  it('Retry-After: seconds (trimmed, any number of digits) or a date; anything else says nothing', () => {
    expect(retryAfterMs({ 'x-other': '1', 'Retry-After': ' 12 ' })).toBe(12_000)
    expect(retryAfterMs({ 'retry-after': '' })).toBeUndefined()
    expect(retryAfterMs({ 'retry-after': 'x7' })).toBeUndefined()
    expect(retryAfterMs({ 'retry-after': '7x' })).toBeUndefined()
    expect(retryAfterMs({ 'retry-after': new Date(10_000).toUTCString() }, 4_000)).toBe(6_000)
    expect(retryAfterMs({ 'retry-after': new Date(1_000).toUTCString() }, 4_000)).toBe(0)
    expect(retryAfterMs(undefined)).toBeUndefined()
  })

  it('stored sessions: only numbers are kept as numbers; a promise from storage is awaited', async () => {
    const store = (value: unknown) => ({ get: () => value, set() {}, remove() {} })
    await expect(
      readStoredSession(store({ token: 't', expiresAt: 2e12, confirmedAt: '5', serverOffsetMs: Number.NaN }), 'k'),
    ).resolves.toEqual({
      token: 't',
      expiresAt: 2e12,
    })
    await expect(readStoredSession(store({ token: 't', expiresAt: 2e12, confirmedAt: 5, serverOffsetMs: -3 }), 'k')).resolves.toEqual({
      token: 't',
      expiresAt: 2e12,
      confirmedAt: 5,
      serverOffsetMs: -3,
    })
    await expect(readStoredSession(store(Promise.resolve({ token: 't', expiresAt: 2e12 })), 'k')).resolves.toEqual({
      token: 't',
      expiresAt: 2e12,
    })
    await expect(readStoredSession(store({ then: 1, token: 't', expiresAt: 2e12 }), 'k')).resolves.toEqual({ token: 't', expiresAt: 2e12 })
    await expect(readStoredSession(store(null), 'k')).resolves.toBeNull()
    await expect(readStoredSession(store('x{"token":"t","expiresAt":2000000000000}'), 'k')).resolves.toBeNull()
    await expect(readStoredSession(store('{"token":"t","expiresAt":2000000000000}'), 'k')).resolves.toEqual({ token: 't', expiresAt: 2e12 })
  })

  it('writes only the fields it has, as one value', () => {
    const written: unknown[] = []
    const store = { get: () => undefined, set: (_key: string, value: unknown) => void written.push(value), remove() {} }
    writeStoredSession(store, 'k', { token: 't', expiresAt: 2e12 })
    writeStoredSession(store, 'k', { token: 't', expiresAt: 2e12, confirmedAt: 1, serverOffsetMs: 0 })
    expect(written).toEqual([
      { token: 't', expiresAt: 2e12 },
      { token: 't', expiresAt: 2e12, confirmedAt: 1, serverOffsetMs: 0 },
    ])
    expect(Object.keys(written[0] as object)).toEqual(['token', 'expiresAt'])
  })

  it('the server clock: ignores a time that is not ms since the epoch, and a stored offset once it has seen the server', () => {
    let device = 1_000
    const clock = createServerClock(() => device)
    expect(clock.offsetMs).toBeUndefined()
    expect(clock.hasPassed(0)).toBe(false)
    clock.observe(Number.NaN)
    expect(clock.offsetMs).toBeUndefined()
    clock.adopt(Number.NaN)
    expect(clock.offsetMs).toBeUndefined()
    clock.adopt(50)
    expect(clock.now()).toBe(1_050)
    // Seconds, or 1970: no server time.
    clock.observe(1_772_352_000)
    clock.observe(5_000)
    expect(clock.offsetMs).toBe(50)
    const T = Date.UTC(2026, 2, 1, 8)
    clock.observe(T + 5_000)
    expect(clock.offsetMs).toBe(T + 4_000)
    clock.adopt(7)
    expect(clock.offsetMs).toBe(T + 4_000)
    device = 2_000
    expect(clock.now()).toBe(T + 6_000)
    expect(clock.hasPassed(T + 6_000)).toBe(true)
    expect(clock.hasPassed(T + 6_001)).toBe(false)
    expect(serverTimeOf({ expiresAt: 10, expiresIn: 3 })).toBe(7)
    expect(serverTimeOf({ expiresAt: 10 })).toBeUndefined()
  })
})

describe('lifecycle rules', () => {
  it('start() does nothing once the client was stopped, and when a flow already runs', async () => {
    const services = createFakeServices({ answers: { wxLogin: () => never() } })
    const client = createLoginClient({ platform: services.platform, server: services.server })
    client.start()
    client.start()
    await vi.waitFor(() => expect(services.count('wxLogin')).toBe(1))
    expect(client.getSnapshot().value).toEqual({ wxLogin: 'running' })
    client.stop()
    client.start()
    expect(services.count('wxLogin')).toBe(1)
  })

  it('stopping the actor directly rejects waiting callers and later ones with aborted', async () => {
    const services = createFakeServices({ answers: { wxLogin: () => never() } })
    const client = createLoginClient({ platform: services.platform, server: services.server })
    const waiting = client.ensureLogin()
    client.actor.stop()
    expect((await rejection(waiting)).message).toBe('the login client was stopped')
    expect((await rejection(client.refresh())).code).toBe('aborted')
    expect((await rejection(client.ensureLogin())).code).toBe('aborted')
  })

  it('a logout while logging in tells callers why', async () => {
    const services = createFakeServices({ answers: { wxLogin: () => never() } })
    const client = createLoginClient({ platform: services.platform, server: services.server })
    const waiting = client.ensureLogin()
    await client.logout()
    expect((await rejection(waiting)).message).toBe('logged out before the login finished')
    client.stop()
  })

  it('a refresh() joins a refresh in flight; one that turned into a login is joined as a login', async () => {
    const services = createFakeServices()
    const client = createLoginClient({ platform: services.platform, server: services.server })
    await client.ensureLogin()
    const check = deferred<boolean>()
    services.answers.checkServerSession = () => check.promise
    const first = client.refresh()
    const second = client.refresh()
    check.resolve(false)
    const [a, b] = await Promise.all([first, second])
    expect(a).toEqual(b)
    expect(services.count('checkServerSession')).toBe(1)
    expect(services.count('wxLogin')).toBe(2)
    client.stop()
  })

  it('passes serverCheckWindowMs and inspect to the machine only when given', async () => {
    const services = createFakeServices()
    const inspected: string[] = []
    const client = createLoginClient({
      platform: services.platform,
      server: services.server,
      inspect: (event) => inspected.push(event.type),
    })
    expect(client.getSnapshot().context.serverCheckWindowMs).toBe(0)
    await client.ensureLogin()
    expect(inspected.length).toBeGreaterThan(0)
    client.stop()
    const windowed = createLoginClient({ platform: services.platform, server: services.server, serverCheckWindowMs: 5 })
    expect(windowed.getSnapshot().context.serverCheckWindowMs).toBe(5)
    windowed.stop()
  })

  it('a second logout() waits only for its own server call', async () => {
    const services = createFakeServices()
    const client = createLoginClient({ platform: services.platform, server: services.server, timeouts: { serverLogin: 50 } })
    await client.ensureLogin()
    const first = deferred<void>()
    services.answers.serverLogout = () => first.promise
    const loggingOut = client.logout()
    await client.ensureLogin()
    services.answers.serverLogout = async () => {}
    await client.logout()
    first.resolve()
    await loggingOut
    expect(services.count('serverLogout')).toBe(2)
    client.stop()
  })
})
