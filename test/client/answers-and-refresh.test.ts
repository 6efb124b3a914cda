/** What the services answer is checked; storage reads are reported; a refresh keeps a session a hiccup did not end. */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createLoginClient, DEFAULT_STORAGE_KEY, LoginError } from '../../src/index.ts'
import type { LoginClientEvent } from '../../src/index.ts'
import { deferred } from '../support/services/index.ts'
import { createFakeServices, HOUR, never } from '../support/services/index.ts'

const RETRY = { attempts: 2, baseDelayMs: 10, maxDelayMs: 100 }

afterEach(() => {
  vi.useRealTimers()
})

function withStoredSession(services: ReturnType<typeof createFakeServices>): void {
  services.storage.set(DEFAULT_STORAGE_KEY, { token: 'stored', expiresAt: Date.now() + HOUR, serverOffsetMs: 0 })
}

describe('answers that are not what the contract says', () => {
  it.each([
    ['{ valid: false }', { valid: false }],
    ["'false'", 'false'],
    ['1', 1],
    ['undefined', undefined],
  ])('a session check answering %s is invalid_response, never "valid"', async (_label, answer) => {
    const services = createFakeServices({ answers: { checkServerSession: async () => answer as never } })
    withStoredSession(services)
    const client = createLoginClient({ platform: services.platform, server: services.server, retry: RETRY })
    await expect(client.ensureLogin()).rejects.toMatchObject({ code: 'invalid_response', transient: false })
    expect(client.getSnapshot().value).toBe('failed')
    expect(services.count('checkServerSession')).toBe(1)
    client.stop()
  })

  it.each([
    ['an empty code', { code: '' }],
    ['no code', {}],
    ['a code that is not a string', { code: 42 }],
    ['nothing', undefined],
  ])('a wx.login answering %s is invalid_response, and no server login is tried', async (_label, answer) => {
    const services = createFakeServices({ answers: { wxLogin: async () => answer as never } })
    const client = createLoginClient({ platform: services.platform, server: services.server, retry: RETRY })
    await expect(client.ensureLogin()).rejects.toMatchObject({ code: 'invalid_response' })
    expect(services.count('wxLogin')).toBe(1)
    expect(services.count('serverLogin')).toBe(0)
    client.stop()
  })
})

describe('storage read failures', () => {
  it('a read that throws is reported with operation read, and the user is logged in afresh', async () => {
    const services = createFakeServices({
      answers: {
        readSession: () => {
          throw new Error('getStorageSync:fail data corrupted')
        },
      },
    })
    const client = createLoginClient({ platform: services.platform, server: services.server })
    const events: LoginClientEvent[] = []
    client.on('storage_error', (event) => events.push(event))
    await expect(client.ensureLogin()).resolves.toMatchObject({ token: 'token-1' })
    expect(events[0]).toMatchObject({ type: 'storage_error', operation: 'read', error: { code: 'storage_error' } })
    client.stop()
  })

  it('a read that never answers is reported as a timeout read, and the user is logged in afresh', async () => {
    vi.useFakeTimers()
    const services = createFakeServices({ answers: { readSession: () => never() } })
    const client = createLoginClient({ platform: services.platform, server: services.server, timeouts: { readSession: 300 } })
    const events: LoginClientEvent[] = []
    client.on('storage_error', (event) => events.push(event))
    const login = client.ensureLogin()
    await vi.advanceTimersByTimeAsync(299)
    expect(events).toEqual([])
    await vi.advanceTimersByTimeAsync(1)
    await expect(login).resolves.toMatchObject({ token: 'token-1' })
    expect(events[0]).toMatchObject({ type: 'storage_error', operation: 'read', error: { code: 'timeout' } })
    client.stop()
  })
})

describe('refresh()', () => {
  it.each([
    ['the server check fails with a network error', { checkServerSession: () => Promise.reject(new LoginError('network')) }, 'network'],
    ['the server check answers 503', { checkServerSession: () => Promise.reject(new LoginError('server_error')) }, 'server_error'],
    ['wx.checkSession times out', { checkWxSession: () => Promise.reject(new LoginError('timeout')) }, 'timeout'],
  ] as const)('when %s: rejects the refresh, stays authenticated with the same session', async (_label, failure, code) => {
    vi.useFakeTimers()
    const services = createFakeServices()
    const client = createLoginClient({ platform: services.platform, server: services.server, retry: RETRY })
    const session = await client.ensureLogin()
    Object.assign(services.answers, failure)
    const refreshed = client.refresh().catch((error: unknown) => error)
    const meanwhile = client.ensureLogin()
    await vi.runAllTimersAsync()
    await expect(refreshed).resolves.toMatchObject({ code })
    await expect(meanwhile).resolves.toBe(session)
    expect(client.getSnapshot().value).toBe('authenticated')
    expect(client.getSnapshot().context.session).toEqual(session)
    expect(services.storage.get(DEFAULT_STORAGE_KEY)).toMatchObject({ token: session.token })
    expect(services.count('wxLogin')).toBe(1)
    await expect(client.ensureLogin()).resolves.toBe(session)
    client.stop()
  })

  it('a refresh that fails after the session ran out: whoever waits for a session gets a fresh login, not the expired one', async () => {
    // Found by the property test: a 1 ms session, a refresh whose wx.checkSession never answers, an ensureLogin() beside it.
    vi.useFakeTimers()
    const services = createFakeServices()
    services.answers.serverLogin = () => services.issueSession(1_000)
    const client = createLoginClient({ platform: services.platform, server: services.server, retry: RETRY })
    const first = await client.ensureLogin()
    services.answers.checkWxSession = () => never()
    const refreshed = client.refresh().catch((error: unknown) => error)
    const meanwhile = client.ensureLogin()
    services.answers.serverLogin = () => services.issueSession(HOUR)
    await vi.runAllTimersAsync()
    await expect(refreshed).resolves.toMatchObject({ code: 'timeout' })
    const fresh = await meanwhile
    expect(fresh.token).not.toBe(first.token)
    expect(fresh.expiresAt).toBeGreaterThan(Date.now())
    expect(services.count('wxLogin')).toBe(2)
    expect(client.getSnapshot().value).toBe('authenticated')
    client.stop()
  })

  it('a later refresh that succeeds clears the error of the failed one', async () => {
    const services = createFakeServices()
    const client = createLoginClient({ platform: services.platform, server: services.server, retry: { attempts: 1 } })
    await client.ensureLogin()
    services.answers.checkServerSession = () => Promise.reject(new LoginError('network'))
    await expect(client.refresh()).rejects.toMatchObject({ code: 'network' })
    expect(client.getSnapshot().context.error?.code).toBe('network')
    services.answers.checkServerSession = async () => true
    await expect(client.refresh()).resolves.toMatchObject({ token: 'token-1' })
    expect(client.getSnapshot().context.error).toBeNull()
    client.stop()
  })

  it('when the server says the session is gone: a new login, and the refresh resolves with its session', async () => {
    const services = createFakeServices()
    const client = createLoginClient({ platform: services.platform, server: services.server })
    await client.ensureLogin()
    services.answers.checkServerSession = async () => false
    await expect(client.refresh()).resolves.toMatchObject({ token: 'token-2' })
    expect(services.count('wxLogin')).toBe(2)
    client.stop()
  })

  it("when WeChat says its session expired: a new login, whatever the server's check said", async () => {
    const services = createFakeServices()
    const client = createLoginClient({ platform: services.platform, server: services.server })
    await client.ensureLogin()
    services.answers.checkWxSession = () => Promise.reject(new LoginError('session_expired'))
    await expect(client.refresh()).resolves.toMatchObject({ token: 'token-2' })
    expect(services.count('wxLogin')).toBe(2)
    client.stop()
  })

  it('concurrent refresh() calls share one re-check', async () => {
    const services = createFakeServices()
    const client = createLoginClient({ platform: services.platform, server: services.server })
    await client.ensureLogin()
    const all = await Promise.all([client.refresh(), client.refresh(), client.refresh()])
    expect(new Set(all.map((s) => s.token))).toEqual(new Set(['token-1']))
    expect(services.count('checkWxSession')).toBe(1)
    expect(services.count('checkServerSession')).toBe(1)
    client.stop()
  })
})

describe('the server check runs beside wx.checkSession', () => {
  it('both start at once; authenticated only once both said yes', async () => {
    const services = createFakeServices()
    withStoredSession(services)
    const wechat = deferred<void>()
    const server = deferred<boolean>()
    services.answers.checkWxSession = () => wechat.promise
    services.answers.checkServerSession = () => server.promise
    const client = createLoginClient({ platform: services.platform, server: services.server })
    const login = client.ensureLogin()
    await vi.waitFor(() => expect(services.count('checkWxSession')).toBe(1))
    expect(services.count('checkServerSession')).toBe(1)
    server.resolve(true)
    await Promise.resolve()
    expect(client.getSnapshot().value).toBe('checkingWx')
    wechat.resolve()
    await expect(login).resolves.toMatchObject({ token: 'stored' })
    client.stop()
  })

  it("when WeChat says expired, the server's yes is not used: the user logs in afresh", async () => {
    const services = createFakeServices({
      answers: {
        checkWxSession: () => Promise.reject(new LoginError('session_expired')),
        checkServerSession: async () => true,
      },
    })
    withStoredSession(services)
    const client = createLoginClient({ platform: services.platform, server: services.server })
    await expect(client.ensureLogin()).resolves.toMatchObject({ token: 'token-1' })
    expect(services.count('wxLogin')).toBe(1)
    client.stop()
  })

  it('a server check made unnecessary by serverCheckWindowMs is not started at all', async () => {
    const services = createFakeServices()
    services.storage.set(DEFAULT_STORAGE_KEY, {
      token: 'stored',
      expiresAt: Date.now() + HOUR,
      confirmedAt: Date.now() - 1_000,
      serverOffsetMs: 0,
    })
    const client = createLoginClient({ platform: services.platform, server: services.server, serverCheckWindowMs: 60_000 })
    await expect(client.ensureLogin()).resolves.toMatchObject({ token: 'stored' })
    expect(services.count('checkServerSession')).toBe(0)
    client.stop()
  })
})

describe('subscribe() listeners', () => {
  it('a listener that throws is reported on the console, never thrown out of the client; others still hear every snapshot', async () => {
    const services = createFakeServices()
    const client = createLoginClient({ platform: services.platform, server: services.server })
    const consoleError = vi.spyOn(console, 'error').mockImplementation(() => {})
    const uncaught = vi.fn()
    process.on('uncaughtException', uncaught)
    try {
      client.subscribe(() => {
        throw new Error('listener bug')
      })
      const seen: string[] = []
      client.subscribe((snapshot) => seen.push(JSON.stringify(snapshot.value)))
      await expect(client.ensureLogin()).resolves.toMatchObject({ token: 'token-1' })
      await new Promise((resolve) => setTimeout(resolve, 10))
      expect(seen.at(-1)).toBe('"authenticated"')
      expect(consoleError).toHaveBeenCalledWith('miniprogram-login: a subscribe() listener threw', expect.any(Error))
      expect(uncaught).not.toHaveBeenCalled()
      expect(client.getSnapshot().status).toBe('active')
    } finally {
      process.off('uncaughtException', uncaught)
      consoleError.mockRestore()
      client.stop()
    }
  })
})
