import Database from 'better-sqlite3'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createSqliteStore, DEFAULT_SESSION_TTL_MS } from '../../src/server/index.ts'
import { hashSessionToken } from '../../src/server/tokens.ts'
import { bearer, login, newUser, startFixture } from './helpers/server-fixture.ts'
import type { Fixture } from './helpers/server-fixture.ts'

let fixture: Fixture | undefined

afterEach(async () => {
  vi.useRealTimers()
  await fixture?.close()
  fixture = undefined
})

describe('POST /auth/login', () => {
  it('trades a code for a 256-bit base64url token with a fixed 7-day expiry by default', async () => {
    fixture = await startFixture()
    const user = newUser(true)
    const code = await fixture.wechat.codeFor(user)
    const before = Date.now()
    const response = await fixture.app.inject({ method: 'POST', url: '/auth/login', payload: { code } })
    expect(response.statusCode).toBe(200)
    const body = response.json<{ token: string; expiresAt: number; expiresIn: number }>()
    expect(Object.keys(body).sort()).toEqual(['expiresAt', 'expiresIn', 'token'])
    // The life left, as the server's clock sees it: the client learns the server's time from it.
    expect(body.expiresIn).toBeGreaterThan(DEFAULT_SESSION_TTL_MS - 60_000)
    expect(body.expiresIn).toBeLessThanOrEqual(DEFAULT_SESSION_TTL_MS)
    expect(body.token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(Buffer.from(body.token, 'base64url')).toHaveLength(32)
    expect(body.expiresAt).toBeGreaterThanOrEqual(before + DEFAULT_SESSION_TTL_MS)
    expect(body.expiresAt).toBeLessThanOrEqual(Date.now() + DEFAULT_SESSION_TTL_MS)

    // The emulator answers a session only to the app's appid and secret, a code it issued and grant_type=authorization_code.
    expect(fixture.wechat.stats()).toMatchObject({ code2Session: 1, code2SessionOk: 1 })

    const record = await fixture.store.get(hashSessionToken(body.token))
    expect(record).toMatchObject({ openid: user.openid, unionid: user.unionid, sessionKey: user.sessionKey, expiresAt: body.expiresAt })
  })

  it('never answers the session_key or openid to the client', async () => {
    fixture = await startFixture()
    const user = newUser(true)
    const response = await fixture.app.inject({ method: 'POST', url: '/auth/login', payload: { code: await fixture.wechat.codeFor(user) } })
    expect(response.statusCode).toBe(200)
    expect(response.body).not.toContain(user.sessionKey)
    expect(response.body).not.toContain(user.openid)
  })

  it('answers 401 code_used for a code that was already traded', async () => {
    fixture = await startFixture()
    const code = await fixture.wechat.codeFor(newUser())
    const first = await fixture.app.inject({ method: 'POST', url: '/auth/login', payload: { code } })
    expect(first.statusCode).toBe(200)
    const second = await fixture.app.inject({ method: 'POST', url: '/auth/login', payload: { code } })
    expect(second.statusCode).toBe(401)
    expect(second.json()).toEqual({ error: 'code_used', message: expect.any(String) })
  })

  it('honours sessionTtlMs', async () => {
    fixture = await startFixture({ sessionTtlMs: 60_000 })
    const before = Date.now()
    const { expiresAt } = await login(fixture, newUser())
    expect(expiresAt).toBeGreaterThanOrEqual(before + 60_000)
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 60_000)
  })

  it('stores only the SHA-256 of the token, never the token', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mpl-server-'))
    try {
      const path = join(dir, 'sessions.db')
      fixture = await startFixture({ store: createSqliteStore({ path, sweepIntervalMs: false }) })
      const { token } = await login(fixture, newUser())
      const db = new Database(path, { readonly: true })
      try {
        const rows = db.prepare('SELECT * FROM sessions').all() as Record<string, unknown>[]
        expect(rows).toHaveLength(1)
        expect(rows[0]?.['token_hash']).toBe(hashSessionToken(token))
        expect(JSON.stringify(rows)).not.toContain(token)
      } finally {
        db.close()
      }
    } finally {
      await fixture?.close()
      fixture = undefined
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('POST /auth/session', () => {
  it('answers 200 { expiresAt, expiresIn } for a live session', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    fixture = await startFixture()
    const { token, expiresAt } = await login(fixture, newUser())
    vi.setSystemTime(Date.now() + 5_000)
    const response = await fixture.app.inject({ method: 'POST', url: '/auth/session', headers: bearer(token) })
    expect(response.statusCode).toBe(200)
    expect(response.json()).toEqual({ expiresAt, expiresIn: expiresAt - Date.now() })
  })

  it('keeps a fixed expiry: checking a session does not extend it', async () => {
    fixture = await startFixture()
    const { token, expiresAt } = await login(fixture, newUser())
    await fixture.app.inject({ method: 'POST', url: '/auth/session', headers: bearer(token) })
    const again = await fixture.app.inject({ method: 'POST', url: '/auth/session', headers: bearer(token) })
    expect(again.json()).toMatchObject({ expiresAt })
  })

  it('answers 401 session_expired once the session expired', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    fixture = await startFixture({ sessionTtlMs: 60_000 })
    const { token } = await login(fixture, newUser())
    vi.setSystemTime(Date.now() + 60_001)
    const response = await fixture.app.inject({ method: 'POST', url: '/auth/session', headers: bearer(token) })
    expect(response.statusCode).toBe(401)
    expect(response.json()).toEqual({ error: 'session_expired', message: expect.any(String) })
  })

  it('answers 401 session_expired for a well-formed token it never issued', async () => {
    fixture = await startFixture()
    const response = await fixture.app.inject({ method: 'POST', url: '/auth/session', headers: bearer('A'.repeat(43)) })
    expect(response.statusCode).toBe(401)
    expect(response.json()).toMatchObject({ error: 'session_expired' })
  })

  it('accepts the Bearer scheme in any letter case and an empty JSON body', async () => {
    fixture = await startFixture()
    const { token, expiresAt } = await login(fixture, newUser())
    const response = await fixture.app.inject({
      method: 'POST',
      url: '/auth/session',
      headers: { authorization: `bearer ${token}`, 'content-type': 'application/json' },
      payload: '',
    })
    expect(response.statusCode).toBe(200)
    expect(response.json()).toMatchObject({ expiresAt })
  })
})

describe('POST /auth/logout', () => {
  it('answers 204 and deletes the session', async () => {
    fixture = await startFixture()
    const { token } = await login(fixture, newUser())
    const response = await fixture.app.inject({ method: 'POST', url: '/auth/logout', headers: bearer(token) })
    expect(response.statusCode).toBe(204)
    expect(response.body).toBe('')
    expect(await fixture.store.get(hashSessionToken(token))).toBeUndefined()
    const check = await fixture.app.inject({ method: 'POST', url: '/auth/session', headers: bearer(token) })
    expect(check.statusCode).toBe(401)
  })

  it('is idempotent: logging out an unknown session is still 204', async () => {
    fixture = await startFixture()
    const response = await fixture.app.inject({ method: 'POST', url: '/auth/logout', headers: bearer('B'.repeat(43)) })
    expect(response.statusCode).toBe(204)
  })

  it("leaves the user's other sessions alone", async () => {
    fixture = await startFixture()
    const user = newUser()
    const phone = await login(fixture, user)
    const tablet = await login(fixture, user)
    await fixture.app.inject({ method: 'POST', url: '/auth/logout', headers: bearer(phone.token) })
    const check = await fixture.app.inject({ method: 'POST', url: '/auth/session', headers: bearer(tablet.token) })
    expect(check.statusCode).toBe(200)
  })
})

describe('singleSessionPerUser', () => {
  it('is off by default: a second login keeps the first device logged in', async () => {
    fixture = await startFixture()
    const user = newUser()
    const first = await login(fixture, user)
    const second = await login(fixture, user)
    expect(second.token).not.toBe(first.token)
    for (const { token } of [first, second]) {
      const check = await fixture.app.inject({ method: 'POST', url: '/auth/session', headers: bearer(token) })
      expect(check.statusCode).toBe(200)
    }
  })

  it("when on, a new login ends the user's other sessions but no one else's", async () => {
    fixture = await startFixture({ singleSessionPerUser: true })
    const user = newUser()
    const someoneElse = await login(fixture, newUser())
    const first = await login(fixture, user)
    const second = await login(fixture, user)
    const checks = await Promise.all(
      [first, second, someoneElse].map(({ token }) =>
        fixture!.app.inject({ method: 'POST', url: '/auth/session', headers: bearer(token) }),
      ),
    )
    expect(checks.map((c) => c.statusCode)).toEqual([401, 200, 200])
  })
})

describe('the rest of the server', () => {
  it('answers GET /healthz 200 { status: ok } while the store answers', async () => {
    fixture = await startFixture()
    const response = await fixture.app.inject({ method: 'GET', url: '/healthz' })
    expect(response.statusCode).toBe(200)
    expect(response.json()).toEqual({ status: 'ok' })
  })

  it('answers GET /healthz 503 when the store fails', async () => {
    fixture = await startFixture()
    await fixture.store.close()
    const response = await fixture.app.inject({ method: 'GET', url: '/healthz' })
    expect(response.statusCode).toBe(503)
    expect(response.json()).toMatchObject({ status: 'unavailable', error: 'upstream_unavailable' })
  })

  it('answers a failing store with 503 upstream_unavailable on the auth routes', async () => {
    fixture = await startFixture()
    const code = await fixture.wechat.codeFor(newUser())
    await fixture.store.close()
    const response = await fixture.app.inject({ method: 'POST', url: '/auth/login', payload: { code } })
    expect(response.statusCode).toBe(503)
    expect(response.json()).toEqual({ error: 'upstream_unavailable', message: expect.any(String) })
  })

  it('answers unknown routes 404 { error: not_found }', async () => {
    fixture = await startFixture()
    const response = await fixture.app.inject({ method: 'GET', url: '/nope' })
    expect(response.statusCode).toBe(404)
    expect(response.json()).toMatchObject({ error: 'not_found' })
  })

  it('lets users add their own routes protected by authenticate', async () => {
    fixture = await startFixture({}, {}, (app) => {
      app.get('/me', { preHandler: app.authenticate }, async (request) => ({ openid: request.loginSession?.openid }))
    })
    const user = newUser()
    const { token } = await login(fixture, user)
    const me = await fixture.app.inject({ method: 'GET', url: '/me', headers: bearer(token) })
    expect(me.statusCode).toBe(200)
    expect(me.json()).toEqual({ openid: user.openid })
    const anonymous = await fixture.app.inject({ method: 'GET', url: '/me' })
    expect(anonymous.statusCode).toBe(400)
    expect(anonymous.json()).toMatchObject({ error: 'invalid_request' })
    const stranger = await fixture.app.inject({ method: 'GET', url: '/me', headers: bearer('C'.repeat(43)) })
    expect(stranger.statusCode).toBe(401)
    expect(stranger.json()).toMatchObject({ error: 'session_expired' })
  })

  it('closes the store when the server closes', async () => {
    fixture = await startFixture()
    const { store } = fixture
    await fixture.close()
    fixture = undefined
    await expect(store.ping()).rejects.toMatchObject({ name: 'SessionStoreError' })
  })
})
