/**
 * Regression (review finding 7): the SQLite file was created world-readable
 * (0644 under the usual umask), while it held session_keys. The folder the
 * store creates is now 0700, and the database and its WAL and shared-memory
 * files 0600, an existing database file included.
 */
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createSqliteStore } from '../../src/server/index.ts'
import { hashSessionToken } from '../../src/server/tokens.ts'

const dir = mkdtempSync(join(tmpdir(), 'mpl-sqlite-mode-'))

afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

const modeOf = (path: string): number => statSync(path).mode & 0o777

describe('SQLite file permissions', () => {
  it('creates its folder 0700 and the database, WAL and shm files 0600', async () => {
    const folder = join(dir, 'created', 'data')
    const path = join(folder, 'sessions.db')
    const store = createSqliteStore({ path, sweepIntervalMs: false })
    try {
      await store.create({
        tokenHash: hashSessionToken('file-mode'),
        openid: 'o-file-mode',
        sessionKey: 'AAAAAAAAAAAAAAAAAAAAAA==',
        expiresAt: Date.now() + 60_000,
        createdAt: Date.now(),
      })
      expect(modeOf(folder)).toBe(0o700)
      expect(modeOf(join(dir, 'created'))).toBe(0o700)
      expect(modeOf(path)).toBe(0o600)
      for (const companion of [`${path}-wal`, `${path}-shm`]) {
        expect(existsSync(companion)).toBe(true)
        expect(modeOf(companion)).toBe(0o600)
      }
    } finally {
      await store.close()
    }
  })

  it('narrows an existing database file to 0600', async () => {
    const path = join(dir, 'existing.db')
    writeFileSync(path, '')
    chmodSync(path, 0o644)
    const store = createSqliteStore({ path, sweepIntervalMs: false })
    try {
      expect(modeOf(path)).toBe(0o600)
    } finally {
      await store.close()
    }
  })
})
