/** One contract, run against every SessionStore implementation. */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Cluster } from 'ioredis'
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createSecretBox, createSqliteStore, generateSecretBoxKey, SessionStoreError } from '../../src/server/index.ts'
import { hashSessionToken } from '../../src/server/tokens.ts'
import { createRedisStore } from '../../src/server/redis/index.ts'
import type { SessionRecord, SessionStore } from '../../src/server/index.ts'
import { useRedisCluster, useStandaloneRedis } from '../support/redis/index.ts'

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

  it("keeps the app user's id and claims with the session", async () => {
    const r = record({ userId: 'user-42', claims: { role: 'admin', plan: { tier: 2 } } })
    await store.create(r)
    expect(await store.get(r.tokenHash)).toEqual(r)
  })

  it('refuses a userId or claims that cannot be kept', async () => {
    await expect(store.create(record({ userId: '' }))).rejects.toBeInstanceOf(TypeError)
    await expect(store.create(record({ userId: 'x'.repeat(129) }))).rejects.toBeInstanceOf(TypeError)
    await expect(store.create(record({ claims: { big: 'x'.repeat(5000) } }))).rejects.toBeInstanceOf(TypeError)
    await expect(store.create(record({ claims: [] as unknown as Record<string, unknown> }))).rejects.toBeInstanceOf(TypeError)
    // Objects whose JSON is no object: SQLite once kept them as no claims, Redis as a corrupt session (503 on every check).
    for (const toJSON of [() => 'admin', () => 5, () => undefined]) {
      await expect(store.create(record({ claims: { role: 'admin', toJSON } }))).rejects.toBeInstanceOf(TypeError)
    }
  })

  it("reads the user's newest session_key in every session of the user", async () => {
    const phone = record()
    const laptop = record({ openid: phone.openid })
    await store.create(phone)
    await store.create(laptop)
    expect((await store.get(phone.tokenHash))?.sessionKey).toBe(laptop.sessionKey)
    expect(await store.users.sessionKeyOf(phone.openid)).toBe(laptop.sessionKey)

    const refreshed = randomBytes(16).toString('base64')
    await store.users.setSessionKey(phone.openid, refreshed)
    expect((await store.get(phone.tokenHash))?.sessionKey).toBe(refreshed)
    expect((await store.get(laptop.tokenHash))?.sessionKey).toBe(refreshed)
    // Only the key moved: the sessions are otherwise as created.
    expect(await store.get(laptop.tokenHash)).toEqual({ ...laptop, sessionKey: refreshed })
  })

  it('keeps the session_key WeChat handed out last, whichever write comes last', async () => {
    const at = Date.now()
    const first = record({ sessionKeyAt: at })
    await store.create(first)
    const refreshed = randomBytes(16).toString('base64')
    await store.users.setSessionKey(first.openid, refreshed, undefined, at + 20)
    // A login whose code2Session answered before that refresh, and which writes only now (a slow onLogin).
    const slow = record({ openid: first.openid, sessionKeyAt: at + 10, createdAt: at + 30 })
    await store.create(slow)
    expect(await store.users.sessionKeyOf(first.openid)).toBe(refreshed)
    expect((await store.get(slow.tokenHash))?.sessionKey).toBe(refreshed)
    // A refresh that answered before the stored key does not replace it either; a later one does.
    await store.users.setSessionKey(first.openid, randomBytes(16).toString('base64'), undefined, at + 15)
    expect(await store.users.sessionKeyOf(first.openid)).toBe(refreshed)
    const later = record({ openid: first.openid, sessionKeyAt: at + 40, createdAt: at + 40 })
    await store.create(later)
    expect(await store.users.sessionKeyOf(first.openid)).toBe(later.sessionKey)
    await expect(store.users.setSessionKey(first.openid, refreshed, undefined, 1.5)).rejects.toBeInstanceOf(TypeError)
    await expect(store.create(record({ sessionKeyAt: Number.NaN }))).rejects.toBeInstanceOf(TypeError)
    // Before the epoch: Redis would compare it with "none stored" read as 0 and keep no key at all.
    await expect(store.create(record({ sessionKeyAt: -10 }))).rejects.toBeInstanceOf(TypeError)
    await expect(store.users.setSessionKey(first.openid, refreshed, undefined, -1)).rejects.toBeInstanceOf(TypeError)
  })

  it('gives a new user one id, kept across logins and racing first logins, and knows when the first login completed', async () => {
    const openid = record().openid
    expect(await store.users.get(openid)).toBeUndefined()
    const [a, b] = await Promise.all([store.users.startLogin(openid, 'candidate-a'), store.users.startLogin(openid, 'candidate-b')])
    expect(a.userId).toBe(b.userId)
    expect(['candidate-a', 'candidate-b']).toContain(a.userId)
    expect(a.isNewUser && b.isNewUser).toBe(true)

    const first = record({ openid, userId: a.userId, unionid: 'u-contract-users' })
    await store.create(first)
    expect(await store.users.startLogin(openid, 'candidate-c')).toEqual({ isNewUser: false, userId: a.userId })
    const user = await store.users.get(openid)
    expect(user).toEqual({
      openid,
      unionid: 'u-contract-users',
      userId: a.userId,
      firstLoginAt: first.createdAt,
      lastLoginAt: first.createdAt,
    })

    const later = record({ openid, userId: a.userId, createdAt: first.createdAt + 5000 })
    await store.create(later)
    expect(await store.users.get(openid)).toMatchObject({ firstLoginAt: first.createdAt, lastLoginAt: later.createdAt })
    expect(JSON.stringify(await store.users.get(openid))).not.toContain(later.sessionKey)
  })

  it("with the app's own ids (onLogin): startLogin reserves none, and the latest login's id is kept", async () => {
    const openid = record().openid
    expect(await store.users.startLogin(openid)).toEqual({ isNewUser: true, userId: undefined })
    await store.create(record({ openid, userId: 'app-1' }))
    expect(await store.users.startLogin(openid)).toEqual({ isNewUser: false, userId: 'app-1' })
    await store.create(record({ openid, userId: 'app-2' }))
    expect((await store.users.get(openid))?.userId).toBe('app-2')
  })

  it('binds a phone number to the user, and the user outlives their sessions', async () => {
    const r = record()
    await store.create(r)
    const phone = { phoneNumber: '+85261234567', purePhoneNumber: '61234567', countryCode: '852' }
    await store.users.bindPhoneNumber(r.openid, phone, 1_700_000_000_000)
    expect(await store.users.get(r.openid)).toMatchObject({ phone, phoneBoundAt: 1_700_000_000_000 })
    await expect(store.users.bindPhoneNumber(r.openid, { phoneNumber: 'x' } as never, 1)).rejects.toBeInstanceOf(TypeError)
    // A time either store would keep differently (Redis dropped a fraction, SQLite kept it).
    for (const at of [1.5, Number.NaN, '1700000000000' as unknown as number]) {
      await expect(store.users.bindPhoneNumber(r.openid, phone, at)).rejects.toBeInstanceOf(TypeError)
    }
    expect(await store.users.get(r.openid)).toMatchObject({ phone, phoneBoundAt: 1_700_000_000_000 })
    expect(await store.deleteByOpenid(r.openid)).toBe(1)
    expect((await store.users.get(r.openid))?.phone).toEqual(phone)
  })

  it('refuses an openid that is not WeChat-shaped in every user operation', async () => {
    await expect(store.users.startLogin('{bad}', 'x')).rejects.toBeInstanceOf(TypeError)
    await expect(store.users.get('')).rejects.toBeInstanceOf(TypeError)
    await expect(store.users.sessionKeyOf('a b')).rejects.toBeInstanceOf(TypeError)
    await expect(store.users.setSessionKey('{x}', 'k')).rejects.toBeInstanceOf(TypeError)
  })

  it('keeps one access_token per app, replaced only by a compare-and-set on the token it replaces', async () => {
    const cache = store.wechatTokenCache
    if (cache === undefined) throw new Error('both built-in stores have a token cache')
    const app = `wxcontract${openidCounter}`
    const first = { accessToken: `token-one-${randomBytes(24).toString('hex')}`, expiresAt: Date.now() + 7_200_000 }
    const second = {
      accessToken: `token-two-${randomBytes(24).toString('hex')}`,
      expiresAt: Date.now() + 7_200_000,
      lastForcedAt: Date.now(),
      forceDay: 19_000,
      forceCount: 3,
    }
    expect(await cache.get(app)).toBeUndefined()
    expect(await cache.compareAndSet(app, undefined, first)).toBe(true)
    expect(await cache.compareAndSet(app, undefined, second)).toBe(false)
    expect(await cache.compareAndSet(app, 'some-other-token-entirely', second)).toBe(false)
    expect(await cache.get(app)).toEqual(first)
    expect(await cache.compareAndSet(app, first.accessToken, second)).toBe(true)
    expect(await cache.get(app)).toEqual(second)
    expect(await cache.get(`${app}x`)).toBeUndefined()
    await expect(cache.get('{bad}')).rejects.toBeInstanceOf(TypeError)
  })

  it('lets one owner at a time hold the refresh lock, until it releases it or it runs out', async () => {
    const cache = store.wechatTokenCache
    if (cache === undefined) throw new Error('both built-in stores have a token cache')
    const app = `wxlock${openidCounter}`
    expect(await cache.tryLock(app, 'instance-a', 10_000)).toBe(true)
    expect(await cache.tryLock(app, 'instance-b', 10_000)).toBe(false)
    expect(await cache.tryLock(app, 'instance-a', 10_000)).toBe(true)
    await cache.unlock(app, 'instance-b')
    expect(await cache.tryLock(app, 'instance-b', 10_000)).toBe(false)
    await cache.unlock(app, 'instance-a')
    expect(await cache.tryLock(app, 'instance-b', 60)).toBe(true)
    expect(await cache.tryLock(app, 'instance-a', 60)).toBe(false)
    await sleep(120)
    expect(await cache.tryLock(app, 'instance-a', 10_000)).toBe(true)
    await cache.unlock(app, 'instance-a')
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

  it('does not count an expired session as deleted, swept or not', async () => {
    const soon = record({ expiresAt: Date.now() + 40 })
    await store.create(soon)
    while (Date.now() <= soon.expiresAt + 10) await sleep(10)
    expect(await store.get(soon.tokenHash)).toBeUndefined()
    expect(await store.delete(soon.tokenHash)).toBe(false)
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

  it('deleteByOpenid counts only the live sessions it deleted, not expired ones still on disk', async () => {
    const live = record()
    const expired = record({ openid: live.openid, expiresAt: Date.now() - 1000, createdAt: Date.now() - 2000 })
    await store.create(live)
    await store.create(expired)
    expect(await store.deleteByOpenid(live.openid)).toBe(1)
    expect(await store.get(live.tokenHash)).toBeUndefined()
    expect(await store.deleteByOpenid(live.openid)).toBe(0)
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

  it('keeps nothing of a session created already expired: no live session is evicted for it, no login recorded', async () => {
    const live = Array.from({ length: 10 }, () => record())
    const openid = live[0]?.openid ?? ''
    for (const r of live.slice(1)) Object.assign(r, { openid })
    for (const r of live) await store.create(r)
    const newestKey = live[live.length - 1]?.sessionKey
    const before = await store.users.get(openid)
    await store.create(record({ openid, expiresAt: Date.now() - 1000, createdAt: Date.now() + 5000, userId: 'never-kept' }))
    const found = await Promise.all(live.map((r) => store.get(r.tokenHash)))
    expect(found).toEqual(live.map((r) => ({ ...r, sessionKey: newestKey })))
    expect(await store.users.get(openid)).toEqual(before)
    expect(await store.users.sessionKeyOf(openid)).toBe(newestKey)
  })

  it('a session_key stored for a user who never logged in makes no user, and a unionid of another shape is refused', async () => {
    const openid = record().openid
    const key = randomBytes(16).toString('base64')
    await store.users.setSessionKey(openid, key)
    expect(await store.users.sessionKeyOf(openid)).toBe(key)
    expect(await store.users.get(openid)).toBeUndefined()
    await expect(store.users.setSessionKey(openid, key, 'u{slot}:../x')).rejects.toBeInstanceOf(TypeError)
    await expect(store.users.setSessionKey(openid, key, '')).rejects.toBeInstanceOf(TypeError)
    await store.users.setSessionKey(openid, key, 'u-contract-union')
    expect(await store.users.get(openid)).toEqual({ openid, unionid: 'u-contract-union' })
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
    // Every session of the user reads the newest login's session_key.
    const newestKey = mine[mine.length - 1]?.sessionKey
    expect(found.slice(2)).toEqual(mine.slice(2).map((r) => ({ ...r, sessionKey: newestKey })))
    expect(await store.get(stranger.tokenHash)).toEqual(stranger)
    expect(await store.deleteByOpenid(first.openid)).toBe(10)
  })
})
