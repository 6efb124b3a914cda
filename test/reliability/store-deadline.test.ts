/**
 * Regression (review finding 6): logins that answered 503 while Redis
 * stalled were stored anyway once it resumed, leaving orphan sessions that
 * held a session_key for seven days. A write now carries its deadline into
 * Redis: the script compares it with Redis' own clock and writes nothing once
 * it has passed.
 */
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServer } from '../../src/server/index.ts'
import { createRedisStore } from '../../src/server/redis/index.ts'
import { startTestWechat } from '../server/helpers/server-fixture.ts'
import { startRedisServer, type RedisProcess } from '../support/redis/index.ts'
import { newUser } from '../server/helpers/server-fixture.ts'
import { eventually } from './support/e2e-stack.ts'

let redis: RedisProcess

beforeAll(async () => {
  // A server of this test's own: it is stopped (SIGSTOP) mid-test.
  redis = await startRedisServer()
})

afterAll(async () => {
  await redis.stop()
})

describe('a login that missed its store deadline while Redis stalled', () => {
  it('answered 503 and is not stored when Redis resumes', async () => {
    const wechat = await startTestWechat()
    const keyPrefix = 'deadline:'
    const store = createRedisStore({ url: redis.url, keyPrefix, operationTimeoutMs: 300 })
    const app = await createServer({
      wechat: { appId: wechat.appId, secret: wechat.secret, apiBase: wechat.apiBase },
      store,
      rateLimit: false,
    })
    const probe = new Redis(redis.url)
    const probeKeys = async (): Promise<string[]> => (await probe.keys(`${keyPrefix}*`)).sort()
    try {
      // A server that has served logins before: Redis already holds the store's scripts.
      const warmUp = await app.inject({ method: 'POST', url: '/auth/login', payload: { code: await wechat.codeFor(newUser()) } })
      expect(warmUp.statusCode).toBe(200)
      const before = await probeKeys()
      redis.pause()
      const login = await app.inject({ method: 'POST', url: '/auth/login', payload: { code: await wechat.codeFor(newUser()) } })
      expect(login.statusCode).toBe(503)
      expect(login.json()).toEqual({ error: 'upstream_unavailable', message: expect.any(String) })
      redis.resume()

      // The store's own connection: once it answers again, whatever waited in its socket has run.
      await eventually(
        () =>
          store.ping().then(
            () => true,
            () => false,
          ),
        'the store to answer again',
      )
      expect(await probeKeys()).toEqual(before)
    } finally {
      redis.resume()
      probe.disconnect()
      await app.close()
      await wechat.close()
    }
  })
})
