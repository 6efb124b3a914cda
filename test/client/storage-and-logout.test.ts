import { describe, expect, it } from 'vitest'
import { createLoginClient, DEFAULT_STORAGE_KEY, LoginError } from '../../src/index.ts'
import type { LoginClientEvent } from '../../src/index.ts'
import { createFakeServices, HOUR } from '../support/services/index.ts'

describe('stored session', () => {
  it.each([
    ['a string', 'garbage'],
    ['JSON that is not a session', '{"token": 5}'],
    ['an object without an expiry', { token: 'abc' }],
    ['an object with an empty token', { token: '', expiresAt: Date.now() + HOUR }],
    ['a number', 42],
    ['broken JSON', '{"token":'],
  ])('treats %s as no session and overwrites it', async (_label, stored) => {
    const services = createFakeServices()
    services.storage.set(DEFAULT_STORAGE_KEY, stored)
    const client = createLoginClient({ platform: services.platform, server: services.server })
    await expect(client.ensureLogin()).resolves.toMatchObject({ token: 'token-1' })
    expect(services.count('checkWxSession')).toBe(0)
    expect(services.storage.get(DEFAULT_STORAGE_KEY)).toMatchObject({ token: 'token-1', expiresAt: expect.any(Number) })
    client.stop()
  })

  it('reads a session stored as a JSON string (written by an older app version)', async () => {
    const services = createFakeServices()
    services.storage.set(DEFAULT_STORAGE_KEY, JSON.stringify({ token: 'old', expiresAt: Date.now() + HOUR }))
    const client = createLoginClient({ platform: services.platform, server: services.server })
    await expect(client.ensureLogin()).resolves.toMatchObject({ token: 'old' })
    expect(services.count('wxLogin')).toBe(0)
    client.stop()
  })

  it('treats a session expired in server time as none, without asking WeChat or the server', async () => {
    const services = createFakeServices()
    services.storage.set(DEFAULT_STORAGE_KEY, { token: 'old', expiresAt: Date.now() - 1, serverOffsetMs: 0 })
    const client = createLoginClient({ platform: services.platform, server: services.server })
    await expect(client.ensureLogin()).resolves.toMatchObject({ token: 'token-1' })
    expect(services.count('checkWxSession') + services.count('checkServerSession')).toBe(0)
    client.stop()
  })

  it('logs in when reading storage throws', async () => {
    const services = createFakeServices({
      answers: {
        readSession: () => {
          throw new Error('getStorageSync:fail')
        },
      },
    })
    const client = createLoginClient({ platform: services.platform, server: services.server })
    await expect(client.ensureLogin()).resolves.toMatchObject({ token: 'token-1' })
    client.stop()
  })

  it('stays authenticated in memory and reports a storage_error when the write throws', async () => {
    const services = createFakeServices({
      answers: {
        storageSet: () => {
          throw new Error('setStorageSync:fail exceed storage max size 10Mb')
        },
      },
    })
    const client = createLoginClient({ platform: services.platform, server: services.server })
    const events: LoginClientEvent[] = []
    client.on('storage_error', (event) => events.push(event))
    await expect(client.ensureLogin()).resolves.toMatchObject({ token: 'token-1' })
    expect(client.getSnapshot().value).toBe('authenticated')
    expect(events).toHaveLength(1)
    expect(events[0]).toMatchObject({ type: 'storage_error', operation: 'write', error: { code: 'storage_error' } })
    expect(services.storage.has(DEFAULT_STORAGE_KEY)).toBe(false)
    client.stop()
  })

  it('a listener that throws does not break the login', async () => {
    const services = createFakeServices({
      answers: {
        storageSet: () => {
          throw new Error('full')
        },
      },
    })
    const client = createLoginClient({ platform: services.platform, server: services.server })
    const seen: string[] = []
    const originalError = console.error
    console.error = () => {}
    try {
      client.on('storage_error', () => {
        throw new Error('listener bug')
      })
      client.on('storage_error', (event) => seen.push(event.type))
      await expect(client.ensureLogin()).resolves.toMatchObject({ token: 'token-1' })
    } finally {
      console.error = originalError
    }
    expect(seen).toEqual(['storage_error'])
    client.stop()
  })
})

describe('a developer server that answers garbage', () => {
  it.each([
    ['null', null],
    ['a string', 'ok'],
    ['a session without a token', { expiresAt: Date.now() + HOUR }],
    ['a session with a string expiry', { token: 't', expiresAt: 'tomorrow' }],
  ])('fails with invalid_response when login answers %s, without retrying', async (_label, answer) => {
    const services = createFakeServices({ answers: { serverLogin: async () => answer as never } })
    const client = createLoginClient({ platform: services.platform, server: services.server })
    await expect(client.ensureLogin()).rejects.toMatchObject({ code: 'invalid_response', transient: false })
    expect(services.count('serverLogin')).toBe(1)
    expect(services.storage.has(DEFAULT_STORAGE_KEY)).toBe(false)
    client.stop()
  })

  it('keeps only the two session fields of what the server answers', async () => {
    const services = createFakeServices({
      answers: {
        serverLogin: async () => ({ token: 't', expiresAt: Date.now() + HOUR, openid: 'o', session_key: 'must-not-be-kept' }) as never,
      },
    })
    const client = createLoginClient({ platform: services.platform, server: services.server })
    const session = await client.ensureLogin()
    expect(Object.keys(session).sort()).toEqual(['expiresAt', 'token'])
    expect(JSON.stringify(services.storage.get(DEFAULT_STORAGE_KEY))).not.toContain('must-not-be-kept')
    client.stop()
  })
})

describe('logout', () => {
  it('clears storage, tells the server, and goes back to idle', async () => {
    const services = createFakeServices()
    const client = createLoginClient({ platform: services.platform, server: services.server })
    const session = await client.ensureLogin()
    const logout = recordLogouts(services)
    await client.logout()
    expect(client.getSnapshot().value).toBe('idle')
    expect(client.getSnapshot().context.session).toBeNull()
    expect(services.storage.has(DEFAULT_STORAGE_KEY)).toBe(false)
    expect(logout).toEqual([session.token])
    client.stop()
  })

  it('reports a server that fails to log out, and is logged out locally all the same', async () => {
    const services = createFakeServices({ answers: { serverLogout: () => Promise.reject(new LoginError('network')) } })
    const client = createLoginClient({ platform: services.platform, server: services.server })
    await client.ensureLogin()
    const errors: string[] = []
    client.on('logout_error', (event) => errors.push(event.error.code))
    await client.logout()
    expect(errors).toEqual(['network'])
    expect(client.getSnapshot().value).toBe('idle')
    expect(services.storage.has(DEFAULT_STORAGE_KEY)).toBe(false)
    client.stop()
  })

  it('a server without logout is fine', async () => {
    const services = createFakeServices()
    const { logout: _ignored, ...withoutLogout } = services.server
    const client = createLoginClient({ platform: services.platform, server: withoutLogout })
    await client.ensureLogin()
    await client.logout()
    expect(client.getSnapshot().value).toBe('idle')
    client.stop()
  })

  it('can log in again after logging out', async () => {
    const services = createFakeServices()
    const client = createLoginClient({ platform: services.platform, server: services.server })
    await client.ensureLogin()
    await client.logout()
    await expect(client.ensureLogin()).resolves.toMatchObject({ token: 'token-2' })
    client.stop()
  })
})

describe('subscribe', () => {
  it('calls the listener with each snapshot and stops when unsubscribed, both ways', async () => {
    const services = createFakeServices()
    const client = createLoginClient({ platform: services.platform, server: services.server })
    const seen: string[] = []
    const unsubscribe = client.subscribe((snapshot) => seen.push(JSON.stringify(snapshot.value)))
    await client.ensureLogin()
    expect(seen.at(-1)).toBe('"authenticated"')
    expect(seen).toContain('"checkingStorage"')
    unsubscribe()
    const count = seen.length
    await client.logout()
    expect(seen.length).toBe(count)
    const other = client.subscribe(() => seen.push('x'))
    other.unsubscribe()
    await client.ensureLogin()
    expect(seen.length).toBe(count)
    client.stop()
  })
})

function recordLogouts(services: ReturnType<typeof createFakeServices>): string[] {
  const tokens: string[] = []
  const original = services.answers.serverLogout
  services.answers.serverLogout = async (session) => {
    tokens.push(session.token)
    return original(session)
  }
  return tokens
}
