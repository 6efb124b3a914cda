import { describe, expect, it } from 'vitest'
import { API_URL, createSeedFlow, createSimulatedServices, SEED_STORAGE_KEY } from '../../bench/index.ts'
import { LoginError } from '../../src/contract/index.ts'
import type { Session, SessionServer } from '../../src/client/http-session-server/types.ts'

function seedOver(services = createSimulatedServices()) {
  return { services, seed: createSeedFlow({ platform: services.platform, server: services.server }) }
}

describe('the seed flow baseline', () => {
  it('cold: wx.login, then the server login, and stores the session', async () => {
    const { services, seed } = seedOver()
    const session = await seed.login()
    expect(services.counts).toMatchObject({ wxLogin: 1, serverLogin: 1, checkSession: 0, serverCheck: 0 })
    expect(services.storage.get(SEED_STORAGE_KEY)).toEqual(session)
  })

  it('warm: wx.checkSession, then the server check, and no login', async () => {
    const { services, seed } = seedOver()
    const first = await seed.login()
    services.resetCounts()
    await expect(seed.login()).resolves.toEqual(first)
    expect(services.counts).toMatchObject({ wxLogin: 0, serverLogin: 0, checkSession: 1, serverCheck: 1 })
  })

  it('strictly sequential, like the seed: a session expired on either side costs every earlier step too', async () => {
    const { services, seed } = seedOver()
    await seed.login()
    services.revokeServerSessions()
    services.resetCounts()
    const fresh = await seed.login()
    expect(services.counts).toMatchObject({ checkSession: 1, serverCheck: 1, wxLogin: 1, serverLogin: 1 })
    expect(services.isServerSessionValid(fresh.token)).toBe(true)

    services.expireWechatSession()
    services.resetCounts()
    await seed.login()
    expect(services.counts).toMatchObject({ checkSession: 1, serverCheck: 0, wxLogin: 1, serverLogin: 1 })
  })

  it('settles when the server login fails (the seed showed a toast and never settled)', async () => {
    const services = createSimulatedServices()
    const failing: SessionServer = {
      login: () => Promise.reject(new LoginError('high_risk_user')),
      check: () => Promise.resolve(false),
    }
    const seed = createSeedFlow({ platform: services.platform, server: failing })
    await expect(seed.login()).rejects.toMatchObject({ name: 'LoginError', code: 'high_risk_user' })
  })

  it('settles when the re-login after a failed check fails too', async () => {
    const services = createSimulatedServices()
    services.storage.set(SEED_STORAGE_KEY, { token: 'stale', expiresAt: Date.now() + 60_000 })
    const failing: SessionServer = {
      login: () => Promise.reject(new Error('boom')),
      check: () => Promise.resolve(false),
    }
    const seed = createSeedFlow({ platform: services.platform, server: failing })
    await services.platform.login({ timeout: 1000 })
    await expect(seed.login()).rejects.toMatchObject({ name: 'LoginError', code: 'server_error' })
  })

  it('settles with storage_error when storage cannot be read', async () => {
    const services = createSimulatedServices()
    const platform = {
      ...services.platform,
      storage: {
        ...services.platform.storage,
        get: () => {
          throw new Error('disk')
        },
      },
    }
    const seed = createSeedFlow({ platform, server: services.server })
    await expect(seed.login()).rejects.toMatchObject({ code: 'storage_error' })
  })

  it('request: uses the stored token; on a 401 logs in again and replays once', async () => {
    const { services, seed } = seedOver()
    await seed.login()
    services.resetCounts()
    await expect(seed.request({ url: API_URL })).resolves.toMatchObject({ statusCode: 200 })
    expect(services.counts).toMatchObject({ apiRequest: 1, checkSession: 0, wxLogin: 0 })

    services.revokeServerSessions()
    services.resetCounts()
    await expect(seed.request({ url: API_URL })).resolves.toMatchObject({ statusCode: 200 })
    expect(services.counts).toMatchObject({ apiRequest: 2, wxLogin: 1, serverLogin: 1 })
  })

  it('request: a second 401 rejects with unauthorized', async () => {
    const services = createSimulatedServices()
    const platform = { ...services.platform, request: () => Promise.resolve({ statusCode: 401, data: { error: 'session_expired' } }) }
    const seed = createSeedFlow({ platform, server: services.server })
    await expect(seed.request({ url: API_URL, method: 'POST' })).rejects.toMatchObject({ code: 'unauthorized' })
  })

  it('treats a stored value that is not a session as nothing stored', async () => {
    const { services, seed } = seedOver()
    services.storage.set(SEED_STORAGE_KEY, 'garbage')
    const session: Session = await seed.login()
    expect(services.counts).toMatchObject({ wxLogin: 1, checkSession: 0 })
    expect(session.token).toEqual(expect.any(String))
  })
})
