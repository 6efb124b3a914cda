/** `logout()` is final: nothing logs the user back in until the app asks for it. */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createLoginClient, DEFAULT_STORAGE_KEY } from '../../src/index.ts'
import type { LoginClientEvent, PlatformResponse, Session } from '../../src/index.ts'
import { deferred } from '../support/services/index.ts'
import { createFakeServices, HOUR, never } from '../support/services/index.ts'

const API = 'https://api.example.com'

afterEach(() => {
  vi.useRealTimers()
})

function loggedOutServices() {
  const services = createFakeServices()
  const loggedOut: string[] = []
  services.answers.serverLogout = async (session) => {
    loggedOut.push(session.token)
  }
  return { services, loggedOut }
}

describe('after logout()', () => {
  it('a request in flight that then gets a 401 rejects with aborted and logs nobody in', async () => {
    const { services } = loggedOutServices()
    const client = createLoginClient({ platform: services.platform, server: services.server, apiBaseUrl: API })
    await client.ensureLogin()
    const answer = deferred<PlatformResponse>()
    services.answers.request = () => answer.promise
    const pending = client.request({ url: `${API}/orders` })
    await vi.waitFor(() => expect(services.count('request')).toBe(1))
    await client.logout()
    answer.resolve({ statusCode: 401, data: {} })
    await expect(pending).rejects.toMatchObject({ code: 'aborted' })
    expect(services.count('wxLogin')).toBe(1)
    expect(services.storage.has(DEFAULT_STORAGE_KEY)).toBe(false)
    expect(client.getSnapshot().value).toBe('idle')
    client.stop()
  })

  it('a new request() or refresh() rejects with aborted instead of logging in; ensureLogin() ends the hold', async () => {
    const { services } = loggedOutServices()
    const client = createLoginClient({ platform: services.platform, server: services.server, apiBaseUrl: API })
    await client.ensureLogin()
    await client.logout()
    await expect(client.request({ url: `${API}/orders` })).rejects.toMatchObject({ code: 'aborted' })
    await expect(client.refresh()).rejects.toMatchObject({ code: 'aborted' })
    expect(services.count('wxLogin')).toBe(1)
    expect(client.getSnapshot().value).toBe('idle')
    await expect(client.ensureLogin()).resolves.toMatchObject({ token: 'token-2' })
    await expect(client.request({ url: `${API}/orders` })).resolves.toMatchObject({ statusCode: 200 })
    client.stop()
  })

  it('start() ends the hold too', async () => {
    const { services } = loggedOutServices()
    const client = createLoginClient({ platform: services.platform, server: services.server, apiBaseUrl: API })
    await client.ensureLogin()
    await client.logout()
    client.start()
    await expect(client.request({ url: `${API}/orders` })).resolves.toMatchObject({ statusCode: 200 })
    expect(services.count('wxLogin')).toBe(2)
    client.stop()
  })

  it('requests waiting for a slot reject with aborted; the one running gets its answer', async () => {
    const { services } = loggedOutServices()
    const client = createLoginClient({ platform: services.platform, server: services.server, apiBaseUrl: API, maxConcurrentRequests: 1 })
    await client.ensureLogin()
    const answer = deferred<PlatformResponse>()
    services.answers.request = () => answer.promise
    const running = client.request({ url: `${API}/a` })
    const queued = [client.request({ url: `${API}/b` }), client.request({ url: `${API}/c` })]
    await vi.waitFor(() => expect(client.requestScheduler.queued).toBe(2))
    await client.logout()
    for (const request of queued) await expect(request).rejects.toMatchObject({ code: 'aborted' })
    answer.resolve({ statusCode: 200, data: 'a' })
    await expect(running).resolves.toMatchObject({ statusCode: 200, data: 'a' })
    expect(services.count('request')).toBe(1)
    client.stop()
  })

  it('a request() called just before logout(), while logged in, is never sent with the ended token', async () => {
    const { services } = loggedOutServices()
    const client = createLoginClient({ platform: services.platform, server: services.server, apiBaseUrl: API })
    await client.ensureLogin()
    const pending = client.request({ url: `${API}/orders`, method: 'POST' })
    const loggedOut = client.logout()
    await expect(pending).rejects.toMatchObject({ code: 'aborted' })
    await loggedOut
    expect(services.count('request')).toBe(0)
    client.stop()
  })

  it('requests waiting for the login reject with aborted', async () => {
    const services = createFakeServices({ answers: { wxLogin: () => never() } })
    const client = createLoginClient({ platform: services.platform, server: services.server, apiBaseUrl: API })
    const waiting = client.request({ url: `${API}/a` })
    await client.logout()
    await expect(waiting).rejects.toMatchObject({ code: 'aborted' })
    expect(services.count('request')).toBe(0)
    client.stop()
  })
})

describe('logout() before the client read storage', () => {
  it('a client never started ends the stored session at the server, not only in storage', async () => {
    const { services, loggedOut } = loggedOutServices()
    services.storage.set(DEFAULT_STORAGE_KEY, { token: 'stored', expiresAt: Date.now() + HOUR })
    const client = createLoginClient({ platform: services.platform, server: services.server })
    await client.logout()
    expect(services.storage.has(DEFAULT_STORAGE_KEY)).toBe(false)
    expect(loggedOut).toEqual(['stored'])
    expect(services.count('wxLogin')).toBe(0)
    client.stop()
  })
})

describe('logout() after stop()', () => {
  it('clears storage and tells the server', async () => {
    const { services, loggedOut } = loggedOutServices()
    const client = createLoginClient({ platform: services.platform, server: services.server })
    const session = await client.ensureLogin()
    client.stop()
    await client.logout()
    expect(services.storage.has(DEFAULT_STORAGE_KEY)).toBe(false)
    expect(loggedOut).toEqual([session.token])
  })

  it('ends the stored session when the stopped client never read it', async () => {
    const { services, loggedOut } = loggedOutServices()
    services.storage.set(DEFAULT_STORAGE_KEY, { token: 'stored', expiresAt: Date.now() + HOUR })
    const client = createLoginClient({ platform: services.platform, server: services.server })
    client.stop()
    await client.logout()
    expect(services.storage.has(DEFAULT_STORAGE_KEY)).toBe(false)
    expect(loggedOut).toEqual(['stored'])
  })

  it('reports a storage that cannot be read, and still clears what it can', async () => {
    const { services, loggedOut } = loggedOutServices()
    services.answers.readSession = () => {
      throw new Error('getStorageSync:fail')
    }
    const client = createLoginClient({ platform: services.platform, server: services.server })
    const events: LoginClientEvent[] = []
    client.on('storage_error', (event) => events.push(event))
    client.stop()
    await client.logout()
    expect(events).toEqual([expect.objectContaining({ operation: 'read', error: expect.objectContaining({ code: 'storage_error' }) })])
    expect(services.count('storageRemove')).toBe(1)
    expect(loggedOut).toEqual([])
  })
})

describe('logout() after stop(), with a storage that never answers its read', () => {
  it('settles at the readSession timeout, reports the read as a storage_error, and still clears storage', async () => {
    vi.useFakeTimers()
    const services = createFakeServices()
    services.answers.readSession = () => never()
    const client = createLoginClient({ platform: services.platform, server: services.server, timeouts: { readSession: 300 } })
    const events: LoginClientEvent[] = []
    client.on('storage_error', (event) => events.push(event))
    client.stop()
    const outcome = Promise.allSettled([client.logout()])
    await vi.advanceTimersByTimeAsync(300)
    await expect(outcome).resolves.toEqual([{ status: 'fulfilled', value: undefined }])
    expect(events).toEqual([expect.objectContaining({ operation: 'read', error: expect.objectContaining({ code: 'timeout' }) })])
    expect(services.count('storageRemove')).toBe(1)
  })
})

describe('a server logout that does not answer', () => {
  it('is reported as a timeout through logout_error, and logout() resolves at its timeout', async () => {
    vi.useFakeTimers()
    const services = createFakeServices({ answers: { serverLogout: () => never() } })
    const client = createLoginClient({ platform: services.platform, server: services.server, timeouts: { serverLogin: 2_000 } })
    await vi.runAllTimersAsync()
    await client.ensureLogin()
    const errors: string[] = []
    client.on('logout_error', (event) => errors.push(`${event.error.code}: ${event.error.message}`))
    let resolved = false
    const logout = client.logout().then(() => {
      resolved = true
    })
    await vi.advanceTimersByTimeAsync(1_999)
    expect(resolved).toBe(false)
    expect(errors).toEqual([])
    await vi.advanceTimersByTimeAsync(1)
    await logout
    expect(errors).toEqual(['timeout: the server logout did not answer within 2000 ms'])
    expect(services.storage.has(DEFAULT_STORAGE_KEY)).toBe(false)
    client.stop()
  })
})

describe('a logout during the server login', () => {
  it('the session that login then answers is logged out at the server and never stored', async () => {
    const { services, loggedOut } = loggedOutServices()
    const answer = deferred<Session>()
    services.answers.serverLogin = () => answer.promise
    const client = createLoginClient({ platform: services.platform, server: services.server })
    const waiting = client.ensureLogin()
    await vi.waitFor(() => expect(services.count('serverLogin')).toBe(1))
    await client.logout()
    await expect(waiting).rejects.toMatchObject({ code: 'aborted' })
    answer.resolve({ token: 'late-token', expiresAt: Date.now() + HOUR })
    await vi.waitFor(() => expect(loggedOut).toEqual(['late-token']))
    expect(services.storage.has(DEFAULT_STORAGE_KEY)).toBe(false)
    expect(client.getSnapshot().context.session).toBeNull()
    expect(client.getSnapshot().value).toBe('idle')
    client.stop()
  })
})
