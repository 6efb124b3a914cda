/**
 * Session reads of one turn of the event loop are answered together (one
 * SQLite read transaction, one Redis script call), and each still gets its
 * own answer and sees every revocation made before it, from any instance.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { describe, expect, it, onTestFinished, vi } from 'vitest'
import { createSqliteStore } from '../../src/server/index.ts'
import { createRedisStore } from '../../src/server/redis/index.ts'
import { ReadBatch } from '../../src/server/store/read-batch.ts'
import { useStandaloneRedis } from '../support/redis/index.ts'
import { sessionRecord } from './helpers/session-record.ts'

const redis = useStandaloneRedis()
const prefix = redis.prefix('read-batch')

describe('ReadBatch', () => {
  it('answers the reads of one turn with one call, each with its own value, and starts a new batch next turn', async () => {
    const readAll = vi.fn(async (keys: readonly number[]) => keys.map((key) => key * 10))
    const batch = new ReadBatch<number, number>(readAll)
    expect(await Promise.all([batch.read(1), batch.read(2), batch.read(3)])).toEqual([10, 20, 30])
    expect(readAll.mock.calls).toEqual([[[1, 2, 3]]])
    expect(await batch.read(4)).toBe(40)
    expect(readAll.mock.calls).toEqual([[[1, 2, 3]], [[4]]])
  })

  it('fails every read of a failed batch with its error, and the next batch is unaffected', async () => {
    const failure = new Error('store down')
    const readAll = vi
      .fn<(keys: readonly string[]) => Promise<readonly string[]>>()
      .mockRejectedValueOnce(failure)
      .mockImplementation(async (keys) => keys.map((key) => key.toUpperCase()))
    const batch = new ReadBatch(readAll)
    const failed = await Promise.allSettled([batch.read('a'), batch.read('b')])
    expect(failed).toEqual([
      { status: 'rejected', reason: failure },
      { status: 'rejected', reason: failure },
    ])
    expect(await batch.read('c')).toBe('C')
  })

  it('rejects, rather than hangs, when readAll throws instead of rejecting', async () => {
    const batch = new ReadBatch<string, string>(() => {
      throw new TypeError('not a promise')
    })
    await expect(batch.read('a')).rejects.toThrow('not a promise')
  })

  it('settles while a test fakes the global timers', async () => {
    vi.useFakeTimers()
    onTestFinished(() => {
      vi.useRealTimers()
    })
    const batch = new ReadBatch<number, number>(async (keys) => keys.map((key) => key + 1))
    expect(await batch.read(1)).toBe(2)
  })
})

describe('SQLite: checks of one turn', () => {
  function sqliteFile(): string {
    const dir = mkdtempSync(join(tmpdir(), 'mpl-read-batch-'))
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
    return join(dir, 'sessions.db')
  }

  it('each get its own session, an unknown token none', async () => {
    const store = createSqliteStore({ path: ':memory:', sweepIntervalMs: false })
    onTestFinished(() => store.close())
    const records = [sessionRecord(), sessionRecord(), sessionRecord()]
    for (const record of records) await store.create(record)
    const unknown = sessionRecord()
    const found = await Promise.all([...records, unknown].map((record) => store.get(record.tokenHash)))
    expect(found).toEqual([...records, undefined])
  })

  it('see a session another process revoked just before, among sessions still live', async () => {
    const path = sqliteFile()
    const here = createSqliteStore({ path, sweepIntervalMs: false })
    const there = createSqliteStore({ path, sweepIntervalMs: false })
    onTestFinished(async () => {
      await here.close()
      await there.close()
    })
    const kept = sessionRecord()
    const revoked = sessionRecord()
    await here.create(kept)
    await here.create(revoked)
    expect(await Promise.all([here.get(kept.tokenHash), here.get(revoked.tokenHash)])).toEqual([kept, revoked])
    expect(await there.delete(revoked.tokenHash)).toBe(true)
    expect(await Promise.all([here.get(kept.tokenHash), here.get(revoked.tokenHash)])).toEqual([kept, undefined])
  })

  it('fail together with a SessionStoreError once the store is closed', async () => {
    const store = createSqliteStore({ path: ':memory:', sweepIntervalMs: false })
    const record = sessionRecord()
    await store.create(record)
    const reads = [store.get(record.tokenHash), store.get(record.tokenHash)]
    await store.close()
    for (const read of reads) await expect(read).rejects.toMatchObject({ name: 'SessionStoreError' })
  })
})

describe('Redis (standalone): checks of one turn', () => {
  /** A store on a connection of the test's own, with its script calls counted. */
  function instance(): { store: ReturnType<typeof createRedisStore>; scriptCalls: () => number } {
    const client = new Redis(redis.url, { keyPrefix: prefix, maxRetriesPerRequest: 1 })
    const evalsha = vi.spyOn(client, 'evalsha')
    const store = createRedisStore({ client, keyPrefix: 'app:', encryption: false })
    onTestFinished(async () => {
      await store.close()
      await client.quit()
    })
    return { store, scriptCalls: () => evalsha.mock.calls.length }
  }

  it('are read by one script call, each with its own session and its user’s newest key', async () => {
    const { store, scriptCalls } = instance()
    const sameUser = sessionRecord()
    const newerLogin = sessionRecord({ openid: sameUser.openid })
    const other = sessionRecord()
    for (const record of [sameUser, newerLogin, other]) await store.create(record)
    const before = scriptCalls()
    const found = await Promise.all([sameUser, newerLogin, other, sessionRecord()].map((record) => store.get(record.tokenHash)))
    expect(found).toEqual([{ ...sameUser, sessionKey: newerLogin.sessionKey }, newerLogin, other, undefined])
    // The unknown token has no pointer, so it never reaches the script; the three others share one call.
    expect(scriptCalls() - before).toBe(1)
  })

  it('see a session another instance revoked just before, among sessions still live', async () => {
    const a = instance()
    const b = instance()
    const kept = sessionRecord()
    const revoked = sessionRecord()
    await a.store.create(kept)
    await a.store.create(revoked)
    expect(await Promise.all([a.store.get(kept.tokenHash), a.store.get(revoked.tokenHash)])).toEqual([kept, revoked])
    expect(await b.store.delete(revoked.tokenHash)).toBe(true)
    expect(await Promise.all([a.store.get(kept.tokenHash), a.store.get(revoked.tokenHash)])).toEqual([kept, undefined])
  })
})
