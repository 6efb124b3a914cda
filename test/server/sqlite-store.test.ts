import Database from 'better-sqlite3'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createSqliteStore, DEFAULT_SQLITE_PATH, SessionStoreError } from '../../src/server/index.ts'
import type { SessionRecord } from '../../src/server/index.ts'
import { sessionRecord } from './helpers/session-record.ts'

const dir = mkdtempSync(join(tmpdir(), 'mpl-sqlite-'))

afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

const record = (overrides: Partial<SessionRecord> = {}): SessionRecord =>
  sessionRecord({ openid: `o-sqlite-${randomBytes(4).toString('hex')}`, ...overrides })

/** Resolves once every record's `expiresAt` has passed. */
async function pastExpiry(records: SessionRecord[]): Promise<void> {
  const until = Math.max(...records.map((r) => r.expiresAt))
  while (Date.now() <= until) await new Promise((resolve) => setTimeout(resolve, 10))
}

describe('createSqliteStore', () => {
  it('defaults to ./data/sessions.db', () => {
    expect(DEFAULT_SQLITE_PATH).toBe('./data/sessions.db')
  })

  it('creates missing folders and uses the WAL journal', async () => {
    const path = join(dir, 'nested', 'deeper', 'sessions.db')
    const store = createSqliteStore({ path, sweepIntervalMs: false })
    try {
      expect(store.path).toBe(path)
      expect(existsSync(path)).toBe(true)
      const db = new Database(path, { readonly: true })
      try {
        expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
      } finally {
        db.close()
      }
    } finally {
      await store.close()
    }
  })

  it('keeps every session across a restart from the same file', async () => {
    const path = join(dir, 'restart.db')
    const first = createSqliteStore({ path, sweepIntervalMs: false })
    const sessions = [record(), record({ unionid: 'u-restart' }), record()]
    for (const r of sessions) await first.create(r)
    await first.close()

    const second = createSqliteStore({ path, sweepIntervalMs: false })
    try {
      for (const r of sessions) expect(await second.get(r.tokenHash)).toEqual(r)
    } finally {
      await second.close()
    }
  })

  it('sweeps expired rows on demand and on open', async () => {
    const path = join(dir, 'sweep.db')
    const store = createSqliteStore({ path, sweepIntervalMs: false })
    const live = record()
    await store.create(live)
    // Created live, expired a moment later (a record created already expired is never written).
    const shortLived = (): SessionRecord => record({ expiresAt: Date.now() + 20 })
    const soon = [shortLived(), shortLived()]
    for (const r of soon) await store.create(r)
    await pastExpiry(soon)
    expect(await store.sweepExpired()).toBe(2)
    expect(await store.sweepExpired()).toBe(0)
    const last = shortLived()
    await store.create(last)
    await pastExpiry([last])
    await store.close()

    const reopened = createSqliteStore({ path, sweepIntervalMs: false })
    await reopened.close()
    const db = new Database(path, { readonly: true })
    try {
      const rows = db.prepare('SELECT token_hash FROM sessions').all() as { token_hash: string }[]
      expect(rows).toEqual([{ token_hash: live.tokenHash }])
    } finally {
      db.close()
    }
  })

  it('sweeps on a timer', async () => {
    const path = join(dir, 'timer.db')
    const store = createSqliteStore({ path, sweepIntervalMs: 10 })
    try {
      await store.create(record({ expiresAt: Date.now() + 5 }))
      const db = new Database(path, { readonly: true })
      try {
        const count = () => (db.prepare('SELECT count(*) AS n FROM sessions').get() as { n: number }).n
        expect(count()).toBe(1)
        while (count() > 0) await new Promise((resolve) => setTimeout(resolve, 10))
        expect(count()).toBe(0)
      } finally {
        db.close()
      }
    } finally {
      await store.close()
    }
  })

  it('fails to open a path it cannot use with a SessionStoreError', () => {
    const file = join(dir, 'a-file')
    writeFileSync(file, 'not a folder')
    expect(() => createSqliteStore({ path: join(file, 'sessions.db') })).toThrow(SessionStoreError)
  })

  it('fails to open a file that is not a database with a SessionStoreError', () => {
    const file = join(dir, 'garbage.db')
    writeFileSync(file, 'this is not a SQLite database, just some text that is long enough to matter'.repeat(20))
    expect(() => createSqliteStore({ path: file })).toThrow(SessionStoreError)
  })

  it('rejects bad options with a clear error', () => {
    expect(() => createSqliteStore({ path: '' })).toThrow(TypeError)
    expect(() => createSqliteStore({ path: ':memory:', sweepIntervalMs: 0 })).toThrow(RangeError)
  })
})
