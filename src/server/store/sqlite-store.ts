/**
 * A `SessionStore` in a SQLite file via better-sqlite3: WAL journal, full
 * synchronous commits (a committed login survives a crash or restart), and a
 * periodic sweep of expired rows. Several processes on one host may share the
 * file. A lock another process holds is waited for asynchronously, never by
 * blocking the event loop (see lock-retry.ts); a write that could not be made
 * before its deadline is not made at all. session_keys are sealed at rest when
 * a `SecretBox` is given; the file and its folder are private to the owner.
 */
import { resolve } from 'node:path'
import type Database from 'better-sqlite3'
import { loadOptionalPeer } from '../optional-peer.ts'
import type { WechatTokenCache } from '../wechat/access-token/token-cache.ts'
import { isBusyError, SQLITE_BUSY_TIMEOUT_MS } from './lock-retry.ts'
import { assertSessionRecord, isTokenHash, parseClaims, toSessionRecord } from './record.ts'
import { SEALING_CONTEXTS, secretCodec } from './session-key-codec.ts'
import type { SessionKeyEncryption } from './session-key-codec.ts'
import { DEFAULT_MAX_SESSIONS_PER_USER, DEFAULT_STORE_OPERATION_TIMEOUT_MS, positiveInteger } from './store-limits.ts'
import { ReadBatch } from './read-batch.ts'
import { prepareDatabaseFiles } from './sqlite-files.ts'
import { assertBeforeDeadline, createSqliteRunner } from './sqlite-runner.ts'
import { applySchema } from './sqlite-schema.ts'
import { createSqliteTokenCache } from './sqlite-token-cache.ts'
import { createSqliteUsers, SET_NEWER_SESSION_KEY } from './sqlite-users.ts'
import { SessionStoreError } from './store-error.ts'
import type { CreateSessionOptions, SessionRecord, SessionStore, UserStore } from './types.ts'
import { safeEqual } from '../tokens.ts'

export const DEFAULT_SQLITE_PATH = './data/sessions.db'
export const DEFAULT_SWEEP_INTERVAL_MS = 10 * 60 * 1000
/** Opening (schema, first sweep) happens once, at start-up: it may wait this long for another process's lock. */
const OPEN_BUSY_TIMEOUT_MS = 1000

export interface SqliteStoreOptions {
  /** The database file (missing folders are created, 0700; the file is 0600). `':memory:'` keeps everything in memory. Default `./data/sessions.db`. */
  path?: string
  /** How often expired rows are deleted; `false` turns the timer off (call `sweepExpired()` yourself). Default 10 minutes. */
  sweepIntervalMs?: number | false
  /** Called when a background sweep fails. Default: `process.emitWarning`. */
  onSweepError?: (error: SessionStoreError) => void
  /** A user's live sessions at most; a login past it evicts the user's oldest. Default 10. */
  maxSessionsPerUser?: number
  /** No operation waits longer than this (for a lock another process holds); it rejects with a `SessionStoreError` instead, and writes nothing. Default 3000 ms. */
  operationTimeoutMs?: number
  /**
   * Seals each session_key, phone number and access_token at rest
   * (`createSecretBox`). `false` stores them in plaintext on purpose. Left
   * out, they are stored in plaintext, except that with `NODE_ENV=production`
   * the store refuses to open.
   */
  encryption?: SessionKeyEncryption
}

export interface SqliteSessionStore extends SessionStore {
  /** The resolved database path. */
  readonly path: string
  readonly maxSessionsPerUser: number
  readonly users: UserStore
  /** The access_token shared by every process over this file. */
  readonly wechatTokenCache: WechatTokenCache
  /** Deletes expired rows now; resolves with how many were deleted. */
  sweepExpired(): Promise<number>
}

/**
 * A session row as the read statement answers it: the columns in order, as an
 * array (`raw` mode), which better-sqlite3 builds without naming a property
 * per column on every check.
 */
type SessionRow = [
  tokenHash: string,
  openid: string,
  unionid: string | null,
  ownSessionKey: string,
  userId: string | null,
  claims: string | null,
  expiresAt: number,
  createdAt: number,
  userSessionKey: string | null,
]

function openDatabase(path: string): Database.Database {
  if (path !== ':memory:') prepareDatabaseFiles(path)
  const BetterSqlite3 = loadOptionalPeer<typeof Database>('better-sqlite3', 'the SQLite session store')
  const db = new BetterSqlite3(path)
  try {
    db.pragma(`busy_timeout = ${OPEN_BUSY_TIMEOUT_MS}`)
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = FULL')
    applySchema(db)
    return db
  } catch (error) {
    db.close()
    throw error
  }
}

export function createSqliteStore(options: SqliteStoreOptions = {}): SqliteSessionStore {
  const requested = options.path ?? DEFAULT_SQLITE_PATH
  if (typeof requested !== 'string' || requested.length === 0) throw new TypeError('createSqliteStore: path must be a non-empty string')
  const sweepIntervalMs = options.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS
  if (sweepIntervalMs !== false && !(Number.isFinite(sweepIntervalMs) && sweepIntervalMs > 0)) {
    throw new RangeError('createSqliteStore: sweepIntervalMs must be a positive number or false')
  }
  const maxSessionsPerUser = positiveInteger(
    options.maxSessionsPerUser,
    DEFAULT_MAX_SESSIONS_PER_USER,
    'createSqliteStore: maxSessionsPerUser',
  )
  const timeoutMs = positiveInteger(options.operationTimeoutMs, DEFAULT_STORE_OPERATION_TIMEOUT_MS, 'createSqliteStore: operationTimeoutMs')
  const codec = secretCodec(options.encryption, 'createSqliteStore')
  const path = requested === ':memory:' ? requested : resolve(requested)

  let db: Database.Database
  try {
    db = openDatabase(path)
  } catch (error) {
    throw new SessionStoreError(`could not open the SQLite session store at ${path}`, { cause: error })
  }

  const statements = {
    // session_key stays empty: the user's row holds the newest (the column is kept for rows written before).
    insert: db.prepare<[string, string, string | null, string | null, string | null, number, number]>(
      `INSERT INTO sessions (token_hash, openid, unionid, session_key, user_id, claims, expires_at, created_at)
       VALUES (?, ?, ?, '', ?, ?, ?, ?)`,
    ),
    recordLogin: db.prepare<[string, string | null, string | null, string, number, number, number]>(
      `INSERT INTO users (openid, user_id, unionid, session_key, session_key_at, first_login_at, last_login_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (openid) DO UPDATE SET
         user_id = COALESCE(excluded.user_id, users.user_id),
         unionid = COALESCE(excluded.unionid, users.unionid),
         ${SET_NEWER_SESSION_KEY},
         first_login_at = COALESCE(users.first_login_at, excluded.first_login_at),
         last_login_at = MAX(COALESCE(users.last_login_at, 0), excluded.last_login_at)`,
    ),
    get: db
      .prepare<[string, number], SessionRow>(
        `SELECT s.token_hash, s.openid, s.unionid, s.session_key, s.user_id, s.claims, s.expires_at, s.created_at,
                u.session_key AS user_session_key
         FROM sessions s LEFT JOIN users u ON u.openid = s.openid
         WHERE s.token_hash = ? AND s.expires_at > ?`,
      )
      .raw(true),
    // An expired row the sweep has not reached yet goes too, but is no session deleted (Redis forgot it already).
    delete: db.prepare<[string], { expires_at: number }>('DELETE FROM sessions WHERE token_hash = ? RETURNING expires_at'),
    deleteByOpenid: db.prepare<[string]>('DELETE FROM sessions WHERE openid = ?'),
    countLiveOfUser: db.prepare<[string, number], { live: number }>(
      'SELECT COUNT(*) AS live FROM sessions WHERE openid = ? AND expires_at > ?',
    ),
    deleteExpiredOfUser: db.prepare<[string, number]>('DELETE FROM sessions WHERE openid = ? AND expires_at <= ?'),
    // Keeps the user's newest `?` sessions (by expiry, then creation) and deletes the rest.
    evictOldest: db.prepare<[string, string, number]>(
      `DELETE FROM sessions WHERE openid = ? AND token_hash IN (
         SELECT token_hash FROM sessions WHERE openid = ? ORDER BY expires_at DESC, created_at DESC LIMIT -1 OFFSET ?
       )`,
    ),
    sweep: db.prepare<[number]>('DELETE FROM sessions WHERE expires_at <= ?'),
    ping: db.prepare('SELECT 1 FROM sessions LIMIT 1'),
  }

  const createTx = db.transaction((record: SessionRecord, sealedKey: string, replace: boolean, deadline: number) => {
    // The lock is ours from here to the commit: past the deadline, nothing is written.
    assertBeforeDeadline(deadline)
    if (replace) statements.deleteByOpenid.run(record.openid)
    else {
      statements.deleteExpiredOfUser.run(record.openid, Date.now())
      statements.evictOldest.run(record.openid, record.openid, maxSessionsPerUser - 1)
    }
    statements.insert.run(
      record.tokenHash,
      record.openid,
      record.unionid ?? null,
      record.userId ?? null,
      record.claims === undefined ? null : JSON.stringify(record.claims),
      record.expiresAt,
      record.createdAt,
    )
    // The session and the user's newest session_key commit together.
    statements.recordLogin.run(
      record.openid,
      record.userId ?? null,
      record.unionid ?? null,
      sealedKey,
      record.sessionKeyAt ?? record.createdAt,
      record.createdAt,
      record.createdAt,
    )
  })

  // Expired rows the sweep has not reached yet go too, but only live sessions are counted (as Redis, which forgets them itself, does).
  const deleteUserTx = db.transaction((openid: string): number => {
    const live = statements.countLiveOfUser.get(openid, Date.now())?.live ?? 0
    statements.deleteByOpenid.run(openid)
    return live
  })

  const runner = createSqliteRunner(timeoutMs)
  const run = runner.run
  const closed = runner.isClosed

  // The checks of one turn of the event loop share a read transaction (read-batch.ts); a lone one reads on its own.
  const readRowsTx = db.transaction((hashes: readonly string[], now: number) => hashes.map((hash) => statements.get.get(hash, now)))
  const sessionReads = new ReadBatch<string, SessionRow | undefined>((hashes) =>
    run('read a session', () => {
      const now = Date.now()
      return hashes.length === 1 ? [statements.get.get(hashes[0] as string, now)] : readRowsTx(hashes, now)
    }),
  )

  /** The user's newest session_key; a session written before per-user keys falls back on its own. */
  function sessionKeyOfRow([tokenHash, openid, , ownSessionKey, , , , , userSessionKey]: SessionRow): string | undefined {
    if (userSessionKey !== null) return codec.open(userSessionKey, SEALING_CONTEXTS.userSessionKey(openid))
    return ownSessionKey === '' ? undefined : codec.open(ownSessionKey, SEALING_CONTEXTS.session(tokenHash))
  }

  const sweepNow = (): number => statements.sweep.run(Date.now()).changes

  try {
    sweepNow()
  } catch (error) {
    // Another process holding the write lock only puts the sweep off to the next round.
    if (!isBusyError(error)) {
      runner.markClosed()
      db.close()
      throw new SessionStoreError('the SQLite session store failed to sweep expired sessions', { cause: error })
    }
  }
  // From now on SQLite itself never waits more than a few ms for a lock; run() waits asynchronously.
  db.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`)

  const onSweepError = options.onSweepError ?? ((error: SessionStoreError) => process.emitWarning(error))
  let sweeping = false
  const sweepTimer =
    sweepIntervalMs === false
      ? undefined
      : setInterval(() => {
          if (sweeping) return
          sweeping = true
          run('sweep expired sessions', sweepNow)
            .catch((error: unknown) => {
              if (!closed())
                onSweepError(error instanceof SessionStoreError ? error : new SessionStoreError('sweep failed', { cause: error }))
            })
            .finally(() => {
              sweeping = false
            })
        }, sweepIntervalMs)
  sweepTimer?.unref()

  const users = createSqliteUsers(db, codec, runner)
  const wechatTokenCache = createSqliteTokenCache(db, codec, runner)

  return {
    path,
    maxSessionsPerUser,
    users,
    wechatTokenCache,

    async create(record: SessionRecord, createOptions: CreateSessionOptions = {}): Promise<void> {
      assertSessionRecord(record)
      const deadline = Date.now() + timeoutMs
      const replace = createOptions.replaceOpenidSessions === true
      if (record.expiresAt <= Date.now()) {
        // Already expired: nothing to keep, and no live session evicted for it (as with Redis); the replacement still happens.
        if (replace) await run("delete a user's sessions", () => deleteUserTx.immediate(record.openid))
        return
      }
      const sealedKey = codec.seal(record.sessionKey, SEALING_CONTEXTS.userSessionKey(record.openid))
      await run('create a session', () => createTx.immediate(record, sealedKey, replace, deadline))
    },

    async get(tokenHash: string): Promise<SessionRecord | undefined> {
      if (!isTokenHash(tokenHash)) return undefined
      const row = await sessionReads.read(tokenHash)
      if (row === undefined || !safeEqual(row[0], tokenHash)) return undefined
      const sessionKey = sessionKeyOfRow(row)
      if (sessionKey === undefined) return undefined
      const [storedHash, openid, unionid, , userId, claims, expiresAt, createdAt] = row
      return toSessionRecord({
        tokenHash: storedHash,
        openid,
        unionid,
        sessionKey,
        userId,
        claims: parseClaims(claims),
        expiresAt,
        createdAt,
      })
    },

    async delete(tokenHash: string): Promise<boolean> {
      if (!isTokenHash(tokenHash)) return false
      return run('delete a session', () => {
        const deleted = statements.delete.get(tokenHash)
        return deleted !== undefined && deleted.expires_at > Date.now()
      })
    },

    async deleteByOpenid(openid: string): Promise<number> {
      if (typeof openid !== 'string' || openid.length === 0) throw new TypeError('deleteByOpenid: openid must be a non-empty string')
      return run("delete a user's sessions", () => deleteUserTx.immediate(openid))
    },

    async ping(): Promise<void> {
      await run('answer a ping', () => statements.ping.get())
    },

    async sweepExpired(): Promise<number> {
      return run('sweep expired sessions', sweepNow)
    },

    async close(): Promise<void> {
      if (closed()) return
      runner.markClosed()
      if (sweepTimer !== undefined) clearInterval(sweepTimer)
      db.close()
    },
  }
}
