import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { describe, expect, it, vi } from 'vitest'
import { createServer, SessionStoreError } from '../../src/server/index.ts'
import { hashSessionToken } from '../../src/server/tokens.ts'
import { createRedisStore } from '../../src/server/redis/index.ts'
import type { SessionRecord } from '../../src/server/index.ts'
import { CREATE_SESSION, SET_POINTER, TOO_LATE } from '../../src/server/store/redis-scripts.ts'
import { startTestWechat } from './helpers/server-fixture.ts'
import { unusedPort } from '../support/ports.ts'
import { useStandaloneRedis } from '../support/redis/index.ts'
import { newUser } from './helpers/server-fixture.ts'
import { startTcpFaultProxy } from '../support/tcp-fault-proxy.ts'
import { sessionRecord } from './helpers/session-record.ts'

const redis = useStandaloneRedis()
const prefix = redis.prefix('redis-store')
const REDIS_URL = redis.url

async function keysUnder(keyPrefix: string): Promise<string[]> {
  const probe = new Redis(REDIS_URL)
  try {
    return (await probe.keys(`${keyPrefix}*`)).sort()
  } finally {
    await probe.quit()
  }
}

const countKeys = async (keyPrefix: string): Promise<number> => (await keysUnder(keyPrefix)).length

const record = (overrides: Partial<SessionRecord> = {}): SessionRecord =>
  sessionRecord({ openid: `o-redis-${randomBytes(4).toString('hex')}`, ...overrides })

describe('createRedisStore', () => {
  it('lets several server instances share sessions', async () => {
    const a = createRedisStore({ url: REDIS_URL, keyPrefix: `${prefix}shared:` })
    const b = createRedisStore({ url: REDIS_URL, keyPrefix: `${prefix}shared:` })
    try {
      const r = record()
      await a.create(r)
      expect(await b.get(r.tokenHash)).toEqual(r)
      expect(await b.deleteByOpenid(r.openid)).toBe(1)
      expect(await a.get(r.tokenHash)).toBeUndefined()
    } finally {
      await a.close()
      await b.close()
    }
  })

  it('gives every session a native Redis TTL matching its expiry', async () => {
    const keyPrefix = `${prefix}ttl:`
    const store = createRedisStore({ url: REDIS_URL, keyPrefix })
    const probe = new Redis(REDIS_URL)
    try {
      const r = record({ expiresAt: Date.now() + 30_000 })
      await store.create(r)
      for (const key of [
        `${keyPrefix}{u:${r.openid}}:s:${r.tokenHash}`,
        `${keyPrefix}t:${r.tokenHash}`,
        `${keyPrefix}{u:${r.openid}}:idx`,
      ]) {
        const ttl = await probe.pttl(key)
        expect(ttl).toBeGreaterThan(25_000)
        expect(ttl).toBeLessThanOrEqual(30_000)
      }
    } finally {
      await store.close()
      await probe.quit()
    }
  })

  it('stores the token hash, never a token, and the keys stay under the prefix', async () => {
    const keyPrefix = `${prefix}keys:`
    const store = createRedisStore({ url: REDIS_URL, keyPrefix })
    try {
      const token = randomBytes(32).toString('base64url')
      const r = record({ tokenHash: hashSessionToken(token) })
      await store.create(r)
      const keys = await keysUnder(keyPrefix)
      // The session, the user's index and the user's hash share the user's hash tag; the pointer finds the user from the token hash.
      expect(keys).toEqual(
        [
          `${keyPrefix}t:${r.tokenHash}`,
          `${keyPrefix}{u:${r.openid}}:idx`,
          `${keyPrefix}{u:${r.openid}}:s:${r.tokenHash}`,
          `${keyPrefix}{u:${r.openid}}:user`,
        ].sort(),
      )
      const probe = new Redis(REDIS_URL)
      const values = [
        await probe.get(`${keyPrefix}{u:${r.openid}}:s:${r.tokenHash}`),
        await probe.get(`${keyPrefix}t:${r.tokenHash}`),
        await probe.zrange(`${keyPrefix}{u:${r.openid}}:idx`, 0, -1, 'WITHSCORES'),
      ]
      await probe.quit()
      expect(values[1]).toBe(r.openid)
      expect(values[2]).toEqual([r.tokenHash, String(r.expiresAt)])
      expect(JSON.stringify({ keys, values })).not.toContain(token)
      expect(await store.delete(r.tokenHash)).toBe(true)
      // The user outlives their sessions: a users table, not a session.
      expect(await keysUnder(keyPrefix)).toEqual([`${keyPrefix}{u:${r.openid}}:user`])
    } finally {
      await store.close()
    }
  })

  it("answers no session, as SQLite does, for a session whose user's hash is gone (deleted by hand, or evicted)", async () => {
    const keyPrefix = `${prefix}lost-user:`
    const store = createRedisStore({ url: REDIS_URL, keyPrefix })
    const probe = new Redis(REDIS_URL)
    try {
      const r = record()
      await store.create(r)
      expect(await store.get(r.tokenHash)).toEqual(r)
      expect(await probe.del(`${keyPrefix}{u:${r.openid}}:user`)).toBe(1)
      // Before: a SessionStoreError (503 at the routes) for the session's whole life.
      expect(await store.get(r.tokenHash)).toBeUndefined()
      // A fresh login writes the user anew.
      const again = record({ openid: r.openid })
      await store.create(again)
      expect(await store.get(again.tokenHash)).toEqual(again)
    } finally {
      await store.close()
      await probe.quit()
    }
  })

  it('works on a client you own (with its own ioredis keyPrefix) and leaves it open on close', async () => {
    const client = new Redis(REDIS_URL, { keyPrefix: `${prefix}client:`, maxRetriesPerRequest: 1 })
    const store = createRedisStore({ client, keyPrefix: 'app:' })
    try {
      const first = record()
      const second = record({ openid: first.openid })
      await store.create(first)
      await store.create(second, { replaceOpenidSessions: true })
      expect(await store.get(first.tokenHash)).toBeUndefined()
      expect(await store.get(second.tokenHash)).toEqual(second)
      // The session, the index, the user and the pointer (the replaced session's pointer goes in the background).
      await vi.waitFor(async () => expect(await countKeys(`${prefix}client:app:`)).toBe(4), { timeout: 2_000, interval: 10 })
      expect(await store.delete(second.tokenHash)).toBe(true)
      expect(await countKeys(`${prefix}client:app:`)).toBe(1)
      await store.close()
      expect(await client.ping()).toBe('PONG')
    } finally {
      await client.quit()
    }
  })

  it('fails fast with a SessionStoreError when Redis is down', async () => {
    const port = await unusedPort()
    const store = createRedisStore({ url: `redis://127.0.0.1:${port}`, keyPrefix: `${prefix}down:` })
    try {
      await expect(store.get(record().tokenHash)).rejects.toBeInstanceOf(SessionStoreError)
      await expect(store.create(record())).rejects.toBeInstanceOf(SessionStoreError)
      await expect(store.ping()).rejects.toBeInstanceOf(SessionStoreError)
    } finally {
      await store.close()
    }
  })

  it('fails fast while Redis is gone, and recovers when it comes back', async () => {
    const redisPort = Number(new URL(REDIS_URL).port)
    const proxy = await startTcpFaultProxy(redisPort, new URL(REDIS_URL).hostname)
    const store = createRedisStore({ url: `redis://127.0.0.1:${proxy.port}`, keyPrefix: `${prefix}flaky:` })
    try {
      const r = record()
      await store.create(r)
      await proxy.cut()
      await expect(store.get(r.tokenHash)).rejects.toBeInstanceOf(SessionStoreError)
      await expect(store.ping()).rejects.toBeInstanceOf(SessionStoreError)
      await proxy.restore()
      // ioredis reconnects in the background; the store answers again once it has.
      let back: SessionRecord | undefined
      for (let i = 0; i < 100 && back === undefined; i += 1) {
        back = await store.get(r.tokenHash).catch(() => undefined)
        if (back === undefined) await new Promise((resolve) => setTimeout(resolve, 50))
      }
      expect(back).toEqual(r)
    } finally {
      await store.close()
      await proxy.close()
    }
  })

  it('bounds every operation by operationTimeoutMs even on a client that would wait forever', async () => {
    const port = await unusedPort()
    const client = new Redis(`redis://127.0.0.1:${port}`, { maxRetriesPerRequest: null, lazyConnect: true })
    client.on('error', () => {})
    const store = createRedisStore({ client, operationTimeoutMs: 50 })
    try {
      await expect(store.ping()).rejects.toThrow(/within 50 ms/)
    } finally {
      await store.close()
      client.disconnect()
    }
  })

  it('refuses an operationTimeoutMs past what a Node timer keeps, which would fire after 1 ms and fail every operation', async () => {
    let store: ReturnType<typeof createRedisStore> | undefined
    try {
      expect(() => {
        store = createRedisStore({ url: REDIS_URL, operationTimeoutMs: 2 ** 31 })
      }).toThrow(RangeError)
    } finally {
      await store?.close()
    }
  })

  it('rejects bad options with a clear error', () => {
    expect(() => createRedisStore({} as never)).toThrow(TypeError)
    expect(() => createRedisStore({ url: '' })).toThrow(TypeError)
    expect(() => createRedisStore({ client: {} as Redis })).toThrow(TypeError)
    expect(() => createRedisStore({ url: REDIS_URL, operationTimeoutMs: 0 })).toThrow(RangeError)
    expect(() => createRedisStore({ url: REDIS_URL, maxSessionsPerUser: 0 })).toThrow(RangeError)
    expect(() => createRedisStore({ url: REDIS_URL, keyPrefix: 'app:{tag}:' })).toThrow(/hash tag/)
    expect(() => createRedisStore({ cluster: [] })).toThrow(TypeError)
  })

  it('writes nothing once the deadline a script carries has passed by Redis clock', async () => {
    const probe = new Redis(REDIS_URL)
    try {
      const keyPrefix = `${prefix}late:`
      const r = record()
      const past = Date.now() - 1
      const pointer = await probe.eval(SET_POINTER.source, 1, `${keyPrefix}t:${r.tokenHash}`, r.openid, r.expiresAt, past)
      const created = await probe.eval(
        CREATE_SESSION.source,
        2,
        `${keyPrefix}{u:${r.openid}}:s:${r.tokenHash}`,
        `${keyPrefix}{u:${r.openid}}:idx`,
        '{}',
        r.expiresAt,
        past,
        10,
        '0',
        `${keyPrefix}{u:${r.openid}}:s:`,
        r.tokenHash,
      )
      expect(pointer).toBe(TOO_LATE)
      expect(created).toEqual([TOO_LATE])
      expect(await keysUnder(keyPrefix)).toEqual([])
    } finally {
      await probe.quit()
    }
  })
})

describe('the server on a Redis that is down', () => {
  it('answers 503 upstream_unavailable on login and health instead of hanging or a 500', async () => {
    const wechat = await startTestWechat()
    const port = await unusedPort()
    const app = await createServer({
      wechat: { appId: wechat.appId, secret: wechat.secret, apiBase: wechat.apiBase },
      store: createRedisStore({ url: `redis://127.0.0.1:${port}`, keyPrefix: `${prefix}server-down:` }),
      rateLimit: false,
    })
    try {
      const login = await app.inject({ method: 'POST', url: '/auth/login', payload: { code: await wechat.codeFor(newUser()) } })
      expect(login.statusCode).toBe(503)
      expect(login.json()).toEqual({ error: 'upstream_unavailable', message: expect.any(String) })
      const session = await app.inject({ method: 'POST', url: '/auth/session', headers: { authorization: `Bearer ${'A'.repeat(43)}` } })
      expect(session.statusCode).toBe(503)
      const health = await app.inject({ method: 'GET', url: '/healthz' })
      expect(health.statusCode).toBe(503)
      expect(health.json()).toMatchObject({ status: 'unavailable', error: 'upstream_unavailable' })
    } finally {
      await app.close()
      await wechat.close()
    }
  })

  it('works end to end on a live Redis', async () => {
    const wechat = await startTestWechat()
    const app = await createServer({
      wechat: { appId: wechat.appId, secret: wechat.secret, apiBase: wechat.apiBase },
      store: createRedisStore({ url: REDIS_URL, keyPrefix: `${prefix}server-up:` }),
      rateLimit: false,
    })
    try {
      const login = await app.inject({ method: 'POST', url: '/auth/login', payload: { code: await wechat.codeFor(newUser()) } })
      expect(login.statusCode).toBe(200)
      const { token } = login.json<{ token: string }>()
      const headers = { authorization: `Bearer ${token}` }
      expect((await app.inject({ method: 'POST', url: '/auth/session', headers })).statusCode).toBe(200)
      expect((await app.inject({ method: 'POST', url: '/auth/logout', headers })).statusCode).toBe(204)
      expect((await app.inject({ method: 'POST', url: '/auth/session', headers })).statusCode).toBe(401)
    } finally {
      await app.close()
      await wechat.close()
    }
  })
})
