/**
 * Regression (review finding 3): better-sqlite3 waits for a lock
 * synchronously, and the store set `busy_timeout = 5000`, so another process
 * holding the write lock froze the whole server, `/healthz` included, for up
 * to five seconds. The store now waits for a lock asynchronously: the server
 * keeps answering while a login waits, and a write that could not get the lock
 * before its deadline fails (503) and never lands later.
 */
import Database from 'better-sqlite3'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { createSqliteStore } from '../../src/server/index.ts'
import type { SessionStore, SqliteStoreOptions } from '../../src/server/index.ts'
import { newUser, startFixture } from './helpers/server-fixture.ts'
import type { Fixture } from './helpers/server-fixture.ts'
import { holdWriteLock } from './helpers/sqlite-lock-holder.ts'
import type { LockHolder } from './helpers/sqlite-lock-holder.ts'

const dir = mkdtempSync(join(tmpdir(), 'mpl-sqlite-lock-'))
let fixture: Fixture | undefined
let holder: LockHolder | undefined

afterEach(async () => {
  await holder?.release()
  holder = undefined
  await fixture?.close()
  fixture = undefined
})

afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

/** The store, with a promise that resolves when a login first writes (reserving the new user's id, then `create`). */
function watchedStore(options: SqliteStoreOptions): { store: SessionStore; createCalled: Promise<void> } {
  const store = createSqliteStore({ sweepIntervalMs: false, ...options })
  let signal: () => void = () => {}
  const createCalled = new Promise<void>((resolve) => {
    signal = resolve
  })
  return {
    createCalled,
    store: {
      ...store,
      users: {
        ...store.users,
        startLogin(openid, candidate) {
          signal()
          return store.users.startLogin(openid, candidate)
        },
      },
      create(record, createOptions) {
        signal()
        return store.create(record, createOptions)
      },
    },
  }
}

function rowsOf(path: string, openid: string): number {
  const db = new Database(path, { readonly: true })
  try {
    return (db.prepare('SELECT count(*) AS n FROM sessions WHERE openid = ?').get(openid) as { n: number }).n
  } finally {
    db.close()
  }
}

describe('SQLite store while another process holds the write lock', () => {
  it('keeps answering /healthz while a login waits for the lock, then completes the login', async () => {
    const path = join(dir, 'healthz.db')
    const { store, createCalled } = watchedStore({ path, operationTimeoutMs: 15_000 })
    fixture = await startFixture({ store })
    holder = await holdWriteLock(path)

    const user = newUser()
    let loginSettled = false
    const login = fixture.app
      .inject({ method: 'POST', url: '/auth/login', payload: { code: await fixture.wechat.codeFor(user) } })
      .finally(() => {
        loginSettled = true
      })
    await createCalled
    const health = await fixture.app.inject({ method: 'GET', url: '/healthz' })
    expect(health.statusCode).toBe(200)
    // The login is still waiting for the lock: the health check did not wait behind it.
    expect(loginSettled).toBe(false)

    await holder.release()
    holder = undefined
    expect((await login).statusCode).toBe(200)
    expect(rowsOf(path, user.openid)).toBe(1)
  })

  it('answers 503 once the deadline passes, and the session never lands after the lock is free', async () => {
    const path = join(dir, 'deadline.db')
    const { store } = watchedStore({ path, operationTimeoutMs: 300 })
    fixture = await startFixture({ store })
    holder = await holdWriteLock(path)

    const user = newUser()
    const login = await fixture.app.inject({ method: 'POST', url: '/auth/login', payload: { code: await fixture.wechat.codeFor(user) } })
    expect(login.statusCode).toBe(503)
    expect(login.json()).toEqual({ error: 'upstream_unavailable', message: expect.any(String) })

    await holder.release()
    holder = undefined
    // Anything still queued would write now; the next write goes through, the late one never does.
    const other = newUser()
    const next = await fixture.app.inject({ method: 'POST', url: '/auth/login', payload: { code: await fixture.wechat.codeFor(other) } })
    expect(next.statusCode).toBe(200)
    expect(rowsOf(path, user.openid)).toBe(0)
    expect(rowsOf(path, other.openid)).toBe(1)
  })
})
