/**
 * Regression (review finding 2): nothing capped a user's sessions, and the
 * Redis create script walked all of them (SMEMBERS, then EXISTS on each), so
 * every login of a user with a long history cost Redis time in proportion to
 * that history, blocking every other client meanwhile. Both stores now keep at
 * most `maxSessionsPerUser` (default 10) per user, evicting the oldest, and a
 * Redis login runs the same few commands whatever the user's history.
 */
import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import { createSqliteStore } from '../../src/server/index.ts'
import { hashSessionToken } from '../../src/server/tokens.ts'
import type { SessionRecord, SessionStore } from '../../src/server/index.ts'
import { createRedisStore } from '../../src/server/redis/index.ts'
import { startRedisServer, useStandaloneRedis } from '../support/redis/index.ts'

const redis = useStandaloneRedis()
const opened: SessionStore[] = []

afterAll(async () => {
  for (const store of opened) await store.close()
})

let userCounter = 0
function newOpenid(): string {
  userCounter += 1
  return `o-cap-${process.pid}-${userCounter}`
}

/** The n-th session of `openid`: later sessions expire later. */
function session(openid: string, n: number): SessionRecord {
  const now = Date.now()
  return {
    tokenHash: hashSessionToken(randomBytes(32).toString('base64url')),
    openid,
    sessionKey: randomBytes(16).toString('base64'),
    expiresAt: now + 600_000 + n,
    createdAt: now,
  }
}

const stores: Array<{ name: string; open(): SessionStore }> = [
  { name: 'SQLite', open: () => createSqliteStore({ path: ':memory:', sweepIntervalMs: false }) },
  { name: 'Redis', open: () => createRedisStore({ url: redis.url, keyPrefix: redis.prefix('cap') }) },
]

describe.each(stores)('maxSessionsPerUser: $name', ({ open }) => {
  it('keeps the 10 newest sessions of a user by default and evicts the oldest', async () => {
    const store = open()
    opened.push(store)
    const openid = newOpenid()
    const records = Array.from({ length: 15 }, (_, n) => session(openid, n))
    for (const record of records) await store.create(record)
    const found = await Promise.all(records.map((record) => store.get(record.tokenHash)))
    expect(found.slice(0, 5)).toEqual([undefined, undefined, undefined, undefined, undefined])
    // Each reads the user's newest session_key (the last login's).
    const newestKey = records[records.length - 1]?.sessionKey
    expect(found.slice(5)).toEqual(records.slice(5).map((record) => ({ ...record, sessionKey: newestKey })))
    // Other users are not touched.
    const stranger = session(newOpenid(), 0)
    await store.create(stranger)
    expect(await store.get(stranger.tokenHash)).toEqual(stranger)
    expect(await store.deleteByOpenid(openid)).toBe(10)
  })
})

describe('a Redis login costs the same whatever the user history', () => {
  it('runs as many Redis commands at the 201st login of a user as at the 11th', async () => {
    // A server of this test's own: its command statistics count this store's commands only.
    const own = await startRedisServer()
    const store = createRedisStore({ url: own.url, keyPrefix: 'cap-cost:' })
    const probe = new Redis(own.url)
    try {
      const openid = newOpenid()
      const commandsFor = async (record: SessionRecord): Promise<number> => {
        await probe.config('RESETSTAT')
        await store.create(record)
        const stats = await probe.info('commandstats')
        let calls = 0
        for (const match of stats.matchAll(/^cmdstat_(\w+(?:\|\w+)?):calls=(\d+)/gm)) {
          if (!['info', 'config|resetstat', 'config'].includes(match[1] ?? '')) calls += Number(match[2])
        }
        return calls
      }
      for (let n = 0; n < 10; n += 1) await store.create(session(openid, n))
      const at11th = await commandsFor(session(openid, 10))
      for (let n = 11; n < 200; n += 1) await store.create(session(openid, n))
      const at201st = await commandsFor(session(openid, 200))
      expect(at201st).toBe(at11th)
      expect(at11th).toBeLessThan(25)
    } finally {
      await probe.quit()
      await store.close()
      await own.stop()
    }
  })
})
