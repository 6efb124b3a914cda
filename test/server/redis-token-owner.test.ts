/**
 * The Redis store remembers which user a token belongs to, so a session check
 * is one round trip (the session's read) instead of two (the pointer, then
 * the session). What is remembered must never make a gone session readable.
 */
import { Redis } from 'ioredis'
import { describe, expect, it, onTestFinished, vi } from 'vitest'
import { createRedisStore } from '../../src/server/redis/index.ts'
import type { SessionRecord } from '../../src/server/index.ts'
import { TokenOwnerCache } from '../../src/server/store/token-owner-cache.ts'
import { useStandaloneRedis } from '../support/redis/index.ts'
import { sessionRecord } from './helpers/session-record.ts'

const redis = useStandaloneRedis()
const prefix = redis.prefix('token-owner')

const record = (openid?: string): SessionRecord => sessionRecord(openid === undefined ? {} : { openid })

/** A store on a connection of the test's own, with its GETs (pointer reads) counted; both closed when the test ends. */
function instance(): { store: ReturnType<typeof createRedisStore>; pointerReads: () => number } {
  const client = new Redis(redis.url, { keyPrefix: prefix, maxRetriesPerRequest: 1 })
  const get = vi.spyOn(client, 'get')
  const store = createRedisStore({ client, keyPrefix: 'app:', encryption: false })
  onTestFinished(async () => {
    await store.close()
    await client.quit()
  })
  return { store, pointerReads: () => get.mock.calls.length }
}

describe('the Redis store finds a token’s user', () => {
  it('without a pointer read for a session it created, and with one read for a session another instance created', async () => {
    const a = instance()
    const b = instance()
    const session = record()
    await a.store.create(session)
    expect(await a.store.get(session.tokenHash)).toEqual(session)
    expect(await a.store.get(session.tokenHash)).toEqual(session)
    expect(a.pointerReads()).toBe(0)

    expect(await b.store.get(session.tokenHash)).toEqual(session)
    expect(await b.store.get(session.tokenHash)).toEqual(session)
    expect(b.pointerReads()).toBe(1)
  })

  it('never reads a session another instance deleted, logged out everywhere, or replaced', async () => {
    const a = instance()
    const b = instance()
    const deleted = record()
    const everywhere = record()
    const replaced = record()
    for (const session of [deleted, everywhere, replaced]) {
      await a.store.create(session)
      expect(await b.store.get(session.tokenHash)).toEqual(session)
    }
    expect(await a.store.delete(deleted.tokenHash)).toBe(true)
    expect(await a.store.deleteByOpenid(everywhere.openid)).toBe(1)
    await a.store.create(record(replaced.openid), { replaceOpenidSessions: true })

    for (const gone of [deleted, everywhere, replaced]) expect(await b.store.get(gone.tokenHash)).toBeUndefined()
    // Deleting on the instance that remembered the owner forgets it too.
    expect(await b.store.delete(deleted.tokenHash)).toBe(false)
  })

  it('deletes on the instance that remembered it: the session is gone there at once', async () => {
    const a = instance()
    const session = record()
    await a.store.create(session)
    expect(await a.store.get(session.tokenHash)).toEqual(session)
    expect(await a.store.delete(session.tokenHash)).toBe(true)
    expect(await a.store.get(session.tokenHash)).toBeUndefined()
    expect(await a.store.delete(session.tokenHash)).toBe(false)
  })
})

describe('TokenOwnerCache', () => {
  it('keeps at most its capacity, dropping the least recently used first', () => {
    const cache = new TokenOwnerCache(2)
    cache.remember('h1', 'o1')
    cache.remember('h2', 'o2')
    expect(cache.ownerOf('h1')).toBe('o1')
    cache.remember('h3', 'o3')
    expect(cache.size).toBe(2)
    expect(cache.ownerOf('h2')).toBeUndefined()
    expect(cache.ownerOf('h1')).toBe('o1')
    expect(cache.ownerOf('h3')).toBe('o3')
  })

  it('forgets on request, and remembers nothing with a capacity of 0', () => {
    const cache = new TokenOwnerCache(2)
    cache.remember('h1', 'o1')
    cache.forget('h1')
    expect(cache.ownerOf('h1')).toBeUndefined()
    const none = new TokenOwnerCache(0)
    none.remember('h1', 'o1')
    expect(none.size).toBe(0)
  })
})
