export { createSqliteStore, DEFAULT_SQLITE_PATH, DEFAULT_SWEEP_INTERVAL_MS } from './sqlite-store.ts'
export type { SqliteSessionStore, SqliteStoreOptions } from './sqlite-store.ts'
export { SessionStoreError, isSessionStoreError } from './store-error.ts'
export type { CreateSessionOptions, SessionRecord, SessionStore } from './types.ts'
