/**
 * The SQLite store's `wechat_tokens` table: the shared access_token (sealed)
 * and its refresh lock, both changed only inside `BEGIN IMMEDIATE`, so one
 * process at a time takes the lock or swaps the token.
 */
import type Database from 'better-sqlite3'
import type { CachedAccessToken, WechatTokenCache } from '../wechat/access-token/token-cache.ts'
import { SEALING_CONTEXTS, type SecretCodec } from './session-key-codec.ts'
import { assertBeforeDeadline, type SqliteRunner } from './sqlite-runner.ts'
import { assertLockOwner, assertTokenName, tokenFingerprint } from './token-fingerprint.ts'

interface TokenRow {
  fingerprint: string | null
  token: string | null
  expires_at: number | null
  last_forced_at: number | null
  force_day: number | null
  force_count: number | null
  lock_owner: string | null
  lock_until: number | null
}

function assertEntry(next: CachedAccessToken): void {
  if (typeof next.accessToken !== 'string' || next.accessToken.length === 0)
    throw new TypeError('token cache: accessToken must be a non-empty string')
  if (!Number.isSafeInteger(next.expiresAt)) throw new TypeError('token cache: expiresAt must be an integer (ms since epoch)')
}

export function createSqliteTokenCache(db: Database.Database, codec: SecretCodec, runner: SqliteRunner): WechatTokenCache {
  const statements = {
    get: db.prepare<[string], TokenRow>(
      'SELECT fingerprint, token, expires_at, last_forced_at, force_day, force_count, lock_owner, lock_until FROM wechat_tokens WHERE name = ?',
    ),
    store: db.prepare<[string, string, string, number, number | null, number | null, number | null]>(
      `INSERT INTO wechat_tokens (name, fingerprint, token, expires_at, last_forced_at, force_day, force_count) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET fingerprint = excluded.fingerprint, token = excluded.token, expires_at = excluded.expires_at,
         last_forced_at = excluded.last_forced_at, force_day = excluded.force_day, force_count = excluded.force_count`,
    ),
    lock: db.prepare<[string, string, number]>(
      `INSERT INTO wechat_tokens (name, lock_owner, lock_until) VALUES (?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET lock_owner = excluded.lock_owner, lock_until = excluded.lock_until`,
    ),
    unlock: db.prepare<[string, string]>('UPDATE wechat_tokens SET lock_owner = NULL, lock_until = NULL WHERE name = ? AND lock_owner = ?'),
  }

  const casTx = db.transaction(
    (name: string, expected: string | null, sealed: string, fingerprint: string, next: CachedAccessToken, deadline: number): boolean => {
      assertBeforeDeadline(deadline)
      const row = statements.get.get(name)
      // A token that does not open here (sealed under a retired key) counts as none, or it could never be replaced.
      const readable = row?.token != null && codec.open(row.token, SEALING_CONTEXTS.accessToken(name)) !== undefined
      const current = readable ? (row?.fingerprint ?? null) : null
      if (current !== expected) return false
      statements.store.run(
        name,
        fingerprint,
        sealed,
        next.expiresAt,
        next.lastForcedAt ?? null,
        next.forceDay ?? null,
        next.forceCount ?? null,
      )
      return true
    },
  )
  const lockTx = db.transaction((name: string, owner: string, ttlMs: number, deadline: number): boolean => {
    assertBeforeDeadline(deadline)
    const row = statements.get.get(name)
    const now = Date.now()
    if (row?.lock_owner != null && row.lock_owner !== owner && (row.lock_until ?? 0) > now) return false
    statements.lock.run(name, owner, now + ttlMs)
    return true
  })

  return {
    async get(name: string): Promise<CachedAccessToken | undefined> {
      assertTokenName(name, 'token cache get')
      const row = await runner.run('read the access_token', () => statements.get.get(name))
      if (row?.token == null || row.expires_at === null) return undefined
      const accessToken = codec.open(row.token, SEALING_CONTEXTS.accessToken(name))
      if (accessToken === undefined) return undefined
      return {
        accessToken,
        expiresAt: row.expires_at,
        ...(row.last_forced_at === null ? {} : { lastForcedAt: row.last_forced_at }),
        ...(row.force_day === null ? {} : { forceDay: row.force_day, forceCount: row.force_count ?? 0 }),
      }
    },

    async compareAndSet(name: string, expected: string | undefined, next: CachedAccessToken): Promise<boolean> {
      assertTokenName(name, 'token cache compareAndSet')
      assertEntry(next)
      const sealed = codec.seal(next.accessToken, SEALING_CONTEXTS.accessToken(name))
      const expectedFingerprint = expected === undefined ? null : tokenFingerprint(expected)
      const deadline = runner.deadline()
      return runner.run('store the access_token', () =>
        casTx.immediate(name, expectedFingerprint, sealed, tokenFingerprint(next.accessToken), next, deadline),
      )
    },

    async tryLock(name: string, owner: string, ttlMs: number): Promise<boolean> {
      assertTokenName(name, 'token cache tryLock')
      assertLockOwner(owner, ttlMs, 'token cache tryLock')
      const deadline = runner.deadline()
      return runner.run('take the access_token lock', () => lockTx.immediate(name, owner, ttlMs, deadline))
    },

    async unlock(name: string, owner: string): Promise<void> {
      assertTokenName(name, 'token cache unlock')
      await runner.run('release the access_token lock', () => statements.unlock.run(name, owner))
    },
  }
}
