/**
 * A `SessionStore` in a SQLite file via better-sqlite3: WAL journal, full
 * synchronous commits (a committed login survives a crash or restart), and a
 * periodic sweep of expired rows. Several processes on one host may share the file.
 */
import { mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import type Database from 'better-sqlite3'
import { loadOptionalPeer } from '../optional-peer.ts'
import { assertSessionRecord, isTokenHash, toSessionRecord } from './record.ts'
import { SessionStoreError } from './store-error.ts'
import type { CreateSessionOptions, SessionRecord, SessionStore } from './types.ts'
import { safeEqual } from '../tokens.ts'

export const DEFAULT_SQLITE_PATH = './data/sessions.db'
export const DEFAULT_SWEEP_INTERVAL_MS = 10 * 60 * 1000

export interface SqliteStoreOptions {
  /** The database file (its folder is created). `':memory:'` keeps everything in memory. Default `./data/sessions.db`. */
  path?: string
  /** How often expired rows are deleted; `false` turns the timer off (call `sweepExpired()` yourself). Default 10 minutes. */
  sweepIntervalMs?: number | false
  /** Called when a background sweep fails. Default: `process.emitWarning`. */
  onSweepError?: (error: SessionStoreError) => void
}

export interface SqliteSessionStore extends SessionStore {
  /** The resolved database path. */
  readonly path: string
  /** Deletes expired rows now; resolves with how many were deleted. */
  sweepExpired(): Promise<number>
}

interface SessionRow {
  token_hash: string
  openid: string
  unionid: string | null
  session_key: string
  expires_at: number
  created_at: number
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS sessions (
    token_hash  TEXT PRIMARY KEY,
    openid      TEXT NOT NULL,
    unionid     TEXT,
    session_key TEXT NOT NULL,
    expires_at  INTEGER NOT NULL,
    created_at  INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS sessions_by_openid ON sessions (openid);
  CREATE INDEX IF NOT EXISTS sessions_by_expiry ON sessions (expires_at);
`

function openDatabase(path: string): Database.Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  const BetterSqlite3 = loadOptionalPeer<typeof Database>('better-sqlite3', 'the SQLite session store')
  const db = new BetterSqlite3(path)
  try {
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = FULL')
    db.pragma('busy_timeout = 5000')
    db.exec(SCHEMA)
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
  const path = requested === ':memory:' ? requested : resolve(requested)

  let db: Database.Database
  try {
    db = openDatabase(path)
  } catch (error) {
    throw new SessionStoreError(`could not open the SQLite session store at ${path}`, { cause: error })
  }

  const statements = {
    insert: db.prepare<[string, string, string | null, string, number, number]>(
      'INSERT INTO sessions (token_hash, openid, unionid, session_key, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    get: db.prepare<[string, number], SessionRow>(
      'SELECT token_hash, openid, unionid, session_key, expires_at, created_at FROM sessions WHERE token_hash = ? AND expires_at > ?',
    ),
    delete: db.prepare<[string]>('DELETE FROM sessions WHERE token_hash = ?'),
    deleteByOpenid: db.prepare<[string]>('DELETE FROM sessions WHERE openid = ?'),
    sweep: db.prepare<[number]>('DELETE FROM sessions WHERE expires_at <= ?'),
    ping: db.prepare('SELECT 1'),
  }

  const createTx = db.transaction((record: SessionRecord, replace: boolean) => {
    if (replace) statements.deleteByOpenid.run(record.openid)
    statements.insert.run(record.tokenHash, record.openid, record.unionid ?? null, record.sessionKey, record.expiresAt, record.createdAt)
  })

  let closed = false

  function run<T>(what: string, work: () => T): T {
    if (closed) throw new SessionStoreError('the SQLite session store is closed')
    try {
      return work()
    } catch (error) {
      throw new SessionStoreError(`the SQLite session store failed to ${what}`, { cause: error })
    }
  }

  const sweepExpired = (): number => run('sweep expired sessions', () => statements.sweep.run(Date.now()).changes)

  try {
    sweepExpired()
  } catch (error) {
    closed = true
    db.close()
    throw error
  }

  const onSweepError = options.onSweepError ?? ((error: SessionStoreError) => process.emitWarning(error))
  const sweepTimer =
    sweepIntervalMs === false
      ? undefined
      : setInterval(() => {
          try {
            sweepExpired()
          } catch (error) {
            onSweepError(error instanceof SessionStoreError ? error : new SessionStoreError('sweep failed', { cause: error }))
          }
        }, sweepIntervalMs)
  sweepTimer?.unref()

  return {
    path,

    async create(record: SessionRecord, createOptions: CreateSessionOptions = {}): Promise<void> {
      assertSessionRecord(record)
      run('create a session', () => createTx(record, createOptions.replaceOpenidSessions === true))
    },

    async get(tokenHash: string): Promise<SessionRecord | undefined> {
      if (!isTokenHash(tokenHash)) return undefined
      const row = run('read a session', () => statements.get.get(tokenHash, Date.now()))
      if (row === undefined || !safeEqual(row.token_hash, tokenHash)) return undefined
      return toSessionRecord({
        tokenHash: row.token_hash,
        openid: row.openid,
        unionid: row.unionid,
        sessionKey: row.session_key,
        expiresAt: row.expires_at,
        createdAt: row.created_at,
      })
    },

    async delete(tokenHash: string): Promise<boolean> {
      if (!isTokenHash(tokenHash)) return false
      return run('delete a session', () => statements.delete.run(tokenHash).changes > 0)
    },

    async deleteByOpenid(openid: string): Promise<number> {
      if (typeof openid !== 'string' || openid.length === 0) throw new TypeError('deleteByOpenid: openid must be a non-empty string')
      return run("delete a user's sessions", () => statements.deleteByOpenid.run(openid).changes)
    },

    async ping(): Promise<void> {
      run('answer a ping', () => statements.ping.get())
    },

    async sweepExpired(): Promise<number> {
      return sweepExpired()
    },

    async close(): Promise<void> {
      if (closed) return
      closed = true
      if (sweepTimer !== undefined) clearInterval(sweepTimer)
      db.close()
    },
  }
}
