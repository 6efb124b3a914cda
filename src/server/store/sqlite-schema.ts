/**
 * The SQLite store's tables, created when missing and brought up to date in
 * place (columns added, nothing dropped), so a database file from an older
 * version opens unchanged: its sessions stay valid.
 *
 * - `sessions`: one row per session, by token hash. `session_key` is empty on
 *   rows written since per-user keys (the user's row holds it); older rows
 *   still carry their own, which is read when the user has none.
 * - `users`: one row per openid: the newest session_key (sealed), the app
 *   user, login times, the bound phone number (sealed).
 * - `wechat_tokens`: the shared access_token (sealed) and its refresh lock.
 */
import type Database from 'better-sqlite3'

const TABLES = `
  CREATE TABLE IF NOT EXISTS sessions (
    token_hash  TEXT PRIMARY KEY,
    openid      TEXT NOT NULL,
    unionid     TEXT,
    session_key TEXT NOT NULL,
    expires_at  INTEGER NOT NULL,
    created_at  INTEGER NOT NULL
  ) WITHOUT ROWID;
  DROP INDEX IF EXISTS sessions_by_openid;
  CREATE INDEX IF NOT EXISTS sessions_by_openid_expiry ON sessions (openid, expires_at);
  CREATE INDEX IF NOT EXISTS sessions_by_expiry ON sessions (expires_at);

  CREATE TABLE IF NOT EXISTS users (
    openid          TEXT PRIMARY KEY,
    user_id         TEXT,
    unionid         TEXT,
    session_key     TEXT,
    session_key_at  INTEGER,
    first_login_at  INTEGER,
    last_login_at   INTEGER,
    phone           TEXT,
    phone_bound_at  INTEGER
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS users_by_user_id ON users (user_id);

  CREATE TABLE IF NOT EXISTS wechat_tokens (
    name            TEXT PRIMARY KEY,
    fingerprint     TEXT,
    token           TEXT,
    expires_at      INTEGER,
    last_forced_at  INTEGER,
    force_day       INTEGER,
    force_count     INTEGER,
    lock_owner      TEXT,
    lock_until      INTEGER
  ) WITHOUT ROWID;
`

/** Columns added to `sessions` after its first release. */
const SESSION_COLUMNS_ADDED = [
  ['user_id', 'TEXT'],
  ['claims', 'TEXT'],
] as const

/** In one write transaction, so two processes opening an old file at once do not both add a column. */
export function applySchema(db: Database.Database): void {
  db.transaction(() => {
    db.exec(TABLES)
    const present = new Set((db.pragma('table_info(sessions)') as Array<{ name: string }>).map((column) => column.name))
    for (const [name, type] of SESSION_COLUMNS_ADDED) {
      if (!present.has(name)) db.exec(`ALTER TABLE sessions ADD COLUMN ${name} ${type}`)
    }
  }).immediate()
}
