/** One contract, run against every SessionStore implementation. */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Cluster } from 'ioredis'
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createSecretBox, createSqliteStore, generateSecretBoxKey, hashSessionToken, SessionStoreError } from '../../src/server/index.ts'
import { createRedisStore } from '../../src/server/redis/index.ts'
import type { SessionRecord, SessionStore } from '../../src/server/index.ts'
import { useRedisCluster, useStandaloneRedis } from './helpers/redis-targets.ts'

const standalone = useStandaloneRedis()
const cluster = useRedisCluster()
const encryption = createSecretBox({ keys: [{ id: 'contract', key: generateSecretBoxKey() }] })

interface StoreUnderTest {
  name: string
  open(): SessionStore
  /** The same data again: the same SQLite file, the same Redis prefix. */
  reopen(): SessionStore
  cleanup(): Promise<void>
}

const sqliteDir = mkdtempSync(join(tmpdir(), 'mpl-store-contract-'))
let sqliteFiles = 0
let redisStores = 0
let redisPrefix = ''
const nextRedisPrefix = (target: { prefix(label: string): string }): string => {
  redisStores += 1
  redisPrefix = target.prefix(`contract-${redisStores}`)
  return redisPrefix
}
const ownedClusters: Cluster[] = []

const sqliteFile = (): string => join(sqliteDir, `contract-${sqliteFiles}.db`)

const implementations: StoreUnderTest[] = [
  {
    name: 'SQLite',
    open: () => {
      sqliteFiles += 1
      return createSqliteStore({ path: sqliteFile(), sweepIntervalMs: false })
    },
    reopen: () => createSqliteStore({ path: sqliteFile(), sweepIntervalMs: false }),
    cleanup: async () => rmSync(sqliteDir, { recursive: true, force: true }),
  },
  {
    name: 'SQLite, sealed session_keys',
    open: () => {
      sqliteFiles += 1
      return createSqliteStore({ path: sqliteFile(), sweepIntervalMs: false, encryption })
    },
    reopen: () => createSqliteStore({ path: sqliteFile(), sweepIntervalMs: false, encryption }),
    cleanup: async () => rmSync(sqliteDir, { recursive: true, force: true }),
  },
  {
    name: 'Redis (standalone)',
    open: () => createRedisStore({ url: standalone.url, keyPrefix: nextRedisPrefix(standalone) }),
    reopen: () => createRedisStore({ url: standalone.url, keyPrefix: redisPrefix }),
    cleanup: async () => {},
  },
  {
    name: 'Redis Cluster ({ cluster: nodes }, sealed session_keys)',
    open: () => createRedisStore({ cluster: cluster.nodes, keyPrefix: nextRedisPrefix(cluster), encryption }),
    reopen: () => createRedisStore({ cluster: cluster.nodes, keyPrefix: redisPrefix, encryption }),
    cleanup: async () => {},
  },
  {
    name: 'Redis Cluster ({ client: new Cluster(...) })',
    open: () => {
      const client = new Cluster([...cluster.nodes], { redisOptions: { maxRetriesPerRequest: 1 } })
      ownedClusters.push(client)
      return createRedisStore({ client, keyPrefix: nextRedisPrefix(cluster) })
    },
    reopen: () => {
      const client = new Cluster([...cluster.nodes], { redisOptions: { maxRetriesPerRequest: 1 } })
      ownedClusters.push(client)
      return createRedisStore({ client, keyPrefix: redisPrefix })
    },
    cleanup: async () => {
      for (const client of ownedClusters.splice(0)) client.disconnect()
    },
  },
]

let openidCounter = 0

function record(overrides: Partial<SessionRecord> = {}): SessionRecord {
  openidCounter += 1
  const now = Date.now()
  return {
    tokenHash: hashSessionToken(randomBytes(32).toString('base64url')),
    openid: `o-contract-${openidCounter}`,
    sessionKey: randomBytes(16).toString('base64'),
    expiresAt: now + 60_000,
    createdAt: now,
    ...overrides,
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

describe.each(implementations)('SessionStore contract: $name', (implementation) => {
  let store: SessionStore

  beforeEach(() => {
    store = implementation.open()
  })

  afterEach(async () => {
    await store.close()
  })

  afterAll(async () => {
    await implementation.cleanup()
  })

  it('gives back exactly what was created', async () => {
    const withUnion = record({ unionid: 'u-contract-1' })
    const without = record()
    await store.create(withUnion)
    await store.create(without)
    expect(await store.get(withUnion.tokenHash)).toEqual(withUnion)
    const fetched = await store.get(without.tokenHash)
    expect(fetched).toEqual(without)
    expect(fetched !== undefined && 'unionid' in fetched).toBe(false)
  })

  it('answers undefined for an unknown or malformed hash', async () => {
    expect(await store.get(hashSessionToken('never-issued'))).toBeUndefined()
    expect(await store.get('not-a-hash')).toBeUndefined()
    expect(await store.get('')).toBeUndefined()
  })

  it('deletes one session', async () => {
    const user = record()
    const other = record({ openid: user.openid })
    await store.create(user)
    await store.create(other)
    expect(await store.delete(user.tokenHash)).toBe(true)
    expect(await store.get(user.tokenHash)).toBeUndefined()
    expect(await store.get(other.tokenHash)).toEqual(other)
    expect(await store.delete(user.tokenHash)).toBe(false)
  })

  it('deletes every session of one openid, and only those', async () => {
    const first = record()
    const second = record({ openid: first.openid })
    const stranger = record()
    for (const r of [first, second, stranger]) await store.create(r)
    expect(await store.deleteByOpenid(first.openid)).toBe(2)
    expect(await store.get(first.tokenHash)).toBeUndefined()
    expect(await store.get(second.tokenHash)).toBeUndefined()
    expect(await store.get(stranger.tokenHash)).toEqual(stranger)
    expect(await store.deleteByOpenid(first.openid)).toBe(0)
  })

  it('deleteByOpenid no longer counts a session deleted one by one', async () => {
    const first = record()
    const second = record({ openid: first.openid })
    await store.create(first)
    await store.create(second)
    await store.delete(first.tokenHash)
    expect(await store.deleteByOpenid(first.openid)).toBe(1)
  })

  it("replaces a user's other sessions atomically when asked", async () => {
    const old1 = record()
    const old2 = record({ openid: old1.openid })
    const stranger = record()
    for (const r of [old1, old2, stranger]) await store.create(r)
    const fresh = record({ openid: old1.openid })
    await store.create(fresh, { replaceOpenidSessions: true })
    expect(await store.get(old1.tokenHash)).toBeUndefined()
    expect(await store.get(old2.tokenHash)).toBeUndefined()
    expect(await store.get(fresh.tokenHash)).toEqual(fresh)
    expect(await store.get(stranger.tokenHash)).toEqual(stranger)
    expect(await store.deleteByOpenid(old1.openid)).toBe(1)
  })

  it('stops returning a session once it expired', async () => {
    const soon = record({ expiresAt: Date.now() + 60 })
    await store.create(soon)
    expect(await store.get(soon.tokenHash)).toEqual(soon)
    while (Date.now() <= soon.expiresAt + 20) await sleep(20)
    expect(await store.get(soon.tokenHash)).toBeUndefined()
  })

  it('never returns a session created already expired', async () => {
    const past = record({ expiresAt: Date.now() - 1000, createdAt: Date.now() - 2000 })
    await store.create(past)
    expect(await store.get(past.tokenHash)).toBeUndefined()
  })

  it('rejects a malformed record with a TypeError', async () => {
    await expect(store.create(record({ tokenHash: 'plain-token' }))).rejects.toBeInstanceOf(TypeError)
    await expect(store.create(record({ openid: '' }))).rejects.toBeInstanceOf(TypeError)
    await expect(store.create(record({ sessionKey: '' }))).rejects.toBeInstanceOf(TypeError)
    await expect(store.create(record({ expiresAt: Number.NaN }))).rejects.toBeInstanceOf(TypeError)
    await expect(store.deleteByOpenid('')).rejects.toBeInstanceOf(TypeError)
  })

  it('answers ping while open', async () => {
    await expect(store.ping()).resolves.toBeUndefined()
  })

  it('rejects every operation with a SessionStoreError once closed, and closes twice safely', async () => {
    const r = record()
    await store.create(r)
    await store.close()
    await store.close()
    await expect(store.get(r.tokenHash)).rejects.toBeInstanceOf(SessionStoreError)
    await expect(store.create(record())).rejects.toBeInstanceOf(SessionStoreError)
    await expect(store.delete(r.tokenHash)).rejects.toBeInstanceOf(SessionStoreError)
    await expect(store.deleteByOpenid(r.openid)).rejects.toBeInstanceOf(SessionStoreError)
    await expect(store.ping()).rejects.toBeInstanceOf(SessionStoreError)
  })

  it('sees sessions written by another instance over the same data', async () => {
    // SQLite: the same file reopened; Redis: a second connection with the same prefix.
    const r = record({ unionid: 'u-shared' })
    await store.create(r)
    await store.close()
    store = implementation.reopen()
    expect(await store.get(r.tokenHash)).toEqual(r)
  })

  it('keeps at most 10 sessions per user by default, the oldest evicted, other users untouched', async () => {
    const first = record()
    const mine = [first, ...Array.from({ length: 11 }, (_, n) => record({ openid: first.openid, expiresAt: first.expiresAt + n + 1 }))]
    const stranger = record()
    await store.create(stranger)
    for (const r of mine) await store.create(r)
    const found = await Promise.all(mine.map((r) => store.get(r.tokenHash)))
    expect(found.slice(0, 2)).toEqual([undefined, undefined])
    expect(found.slice(2)).toEqual(mine.slice(2))
    expect(await store.get(stranger.tokenHash)).toEqual(stranger)
    expect(await store.deleteByOpenid(first.openid)).toBe(10)
  })
})
