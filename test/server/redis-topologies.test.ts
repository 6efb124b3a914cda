/**
 * The Redis store runs unchanged on Redis Cluster and behind Sentinel. On a
 * real local Cluster (three masters): every key of one user hashes to one
 * slot, users spread over the masters, two server instances share sessions
 * and rate-limit counters. Behind Sentinel: the client Sentinel hands out
 * works as any other. (The store contract itself runs on the Cluster too:
 * store-contract.test.ts.)
 */
import type { FastifyInstance } from 'fastify'
import { Cluster, Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServer } from '../../src/server/index.ts'
import { hashSessionToken } from '../../src/server/tokens.ts'
import type { SessionRecord } from '../../src/server/index.ts'
import { createRedisStore } from '../../src/server/redis/index.ts'
import { SIM_LOGIN_PATH } from '../../src/emulator/index.ts'
import { readDevServerConfig, startDevServer } from '../../src/local-dev/index.ts'
import { startTestWechat } from './helpers/server-fixture.ts'
import type { TestWechat } from './helpers/server-fixture.ts'
import { startRedisSentinel, useRedisCluster, type RedisSentinelProcesses } from '../support/redis/index.ts'
import { newUser } from './helpers/server-fixture.ts'
import { sessionRecord } from './helpers/session-record.ts'

const cluster = useRedisCluster()

/** Ten minutes to live: the Sentinel tests outlast the default minute. */
const record = (openid: string): SessionRecord => sessionRecord({ openid, expiresAt: Date.now() + 600_000 })

describe('on Redis Cluster', () => {
  it('puts every key of one user in one slot, and spreads users over the masters', async () => {
    const keyPrefix = cluster.prefix('topology')
    const store = createRedisStore({ cluster: cluster.nodes, keyPrefix })
    const probe = new Cluster([...cluster.nodes])
    try {
      const users = Array.from({ length: 30 }, (_, i) => `oCluster-${i}`)
      for (const openid of users) {
        await store.create(record(openid))
        await store.create(record(openid))
      }
      const slotOf = async (key: string): Promise<number> => Number(await probe.call('CLUSTER', 'KEYSLOT', key))
      const usedSlots = new Set<number>()
      for (const openid of users) {
        const index = `${keyPrefix}{u:${openid}}:idx`
        const hashes = await probe.zrange(index, 0, -1)
        expect(hashes).toHaveLength(2)
        const slots = new Set([
          await slotOf(index),
          ...(await Promise.all(hashes.map((hash) => slotOf(`${keyPrefix}{u:${openid}}:s:${hash}`)))),
        ])
        expect(slots.size).toBe(1)
        usedSlots.add([...slots][0]!)
      }
      // The masters each own a third of the slots: thirty users land on more than one of them.
      const holders = await Promise.all(probe.nodes('master').map(async (node) => (await node.keys(`${keyPrefix}*`)).length))
      expect(holders.filter((count) => count > 0).length).toBeGreaterThan(1)
      expect(usedSlots.size).toBeGreaterThan(1)
    } finally {
      await store.close()
      probe.disconnect()
    }
  })

  describe('two server instances over one Cluster', () => {
    let wechat: TestWechat
    const apps: FastifyInstance[] = []

    beforeAll(async () => {
      wechat = await startTestWechat()
      const keyPrefix = cluster.prefix('two-servers')
      for (let i = 0; i < 2; i += 1) {
        const app = await createServer({
          wechat: { appId: wechat.appId, secret: wechat.secret, apiBase: wechat.apiBase },
          store: createRedisStore({ cluster: cluster.nodes, keyPrefix }),
          rateLimit: { max: 3, timeWindow: 60_000, maxPerOpenid: 2 },
        })
        await app.ready()
        apps.push(app)
      }
    })

    afterAll(async () => {
      for (const app of apps) await app.close()
      await wechat.close()
    })

    it('share sessions: logged in on one, served and logged out on the other', async () => {
      const [a, b] = apps as [FastifyInstance, FastifyInstance]
      const login = await a.inject({
        method: 'POST',
        url: '/auth/login',
        remoteAddress: '192.0.2.10',
        payload: { code: await wechat.codeFor(newUser()) },
      })
      expect(login.statusCode).toBe(200)
      const headers = { authorization: `Bearer ${login.json<{ token: string }>().token}` }
      expect((await b.inject({ method: 'POST', url: '/auth/session', headers })).statusCode).toBe(200)
      expect((await b.inject({ method: 'POST', url: '/auth/logout', headers })).statusCode).toBe(204)
      expect((await a.inject({ method: 'POST', url: '/auth/session', headers })).statusCode).toBe(401)
    })

    it('share the rate-limit counters, per address and per openid', async () => {
      const [a, b] = apps as [FastifyInstance, FastifyInstance]
      const attempt = async (app: FastifyInstance, remoteAddress: string, user = newUser()) =>
        app.inject({ method: 'POST', url: '/auth/login', remoteAddress, payload: { code: await wechat.codeFor(user) } })
      const byAddress = []
      for (const app of [a, b, a, b]) byAddress.push((await attempt(app, '192.0.2.20')).statusCode)
      expect(byAddress).toEqual([200, 200, 200, 429])
      const user = newUser()
      const byOpenid = []
      for (const [i, app] of [a, b, a].entries()) byOpenid.push((await attempt(app, `192.0.2.${30 + i}`, user)).statusCode)
      expect(byOpenid).toEqual([200, 200, 429])
    })
  })
})

describe('npm start with REDIS_CLUSTER_NODES', () => {
  it('keeps sessions in the Cluster, session_keys sealed with the generated key', async () => {
    const keyPrefix = cluster.prefix('npm-start')
    const server = await startDevServer(
      readDevServerConfig({
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'silent',
        REDIS_CLUSTER_NODES: cluster.nodes.map((node) => `${node.host}:${node.port}`).join(','),
        REDIS_KEY_PREFIX: keyPrefix,
      }),
    )
    const probe = new Cluster([...cluster.nodes])
    try {
      expect(server.store).toMatchObject({ kind: 'redis-cluster', keyPrefix })
      const emulator = server.emulator!
      const issued = await fetch(`${emulator.url}${SIM_LOGIN_PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ openid: 'oNpmStartCluster' }),
      })
      const { code } = (await issued.json()) as { code: string }
      const login = await fetch(`${server.urls.local}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ code }),
      })
      expect(login.status).toBe(200)
      const { token } = (await login.json()) as { token: string }
      const stored = await probe.get(`${keyPrefix}{u:oNpmStartCluster}:s:${hashSessionToken(token)}`)
      expect(JSON.parse(stored ?? '{}')).toMatchObject({ openid: 'oNpmStartCluster' })
      // The user's newest session_key, in the user's own hash (same slot), sealed.
      expect(await probe.hget(`${keyPrefix}{u:oNpmStartCluster}:user`, 'sessionKey')).toMatch(/^v1\.dev-/)
    } finally {
      probe.disconnect()
      await server.close()
    }
  })
})

describe('behind Sentinel', () => {
  let sentinel: RedisSentinelProcesses

  beforeAll(async () => {
    sentinel = await startRedisSentinel()
  }, 30_000)

  afterAll(async () => {
    await sentinel.stop()
  })

  it('works on the client Sentinel hands out, and leaves it open', async () => {
    const client = new Redis({ sentinels: [...sentinel.sentinels], name: sentinel.name, maxRetriesPerRequest: 1 })
    const store = createRedisStore({ client, keyPrefix: 'sentinel:' })
    try {
      const first = record('oSentinel-1')
      await store.create(first)
      expect(await store.get(first.tokenHash)).toEqual(first)
      expect(await store.deleteByOpenid(first.openid)).toBe(1)
      await store.close()
      expect(await client.ping()).toBe('PONG')
    } finally {
      client.disconnect()
    }
  })
})
