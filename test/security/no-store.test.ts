/**
 * Regression (noticed while mapping OWASP's session guidance, docs/security.md;
 * fixed in src/server/routes/index.ts).
 *
 * `POST /auth/login` answers the new session token in its body without
 * `Cache-Control: no-store` (src/server/routes/auth.ts). OWASP's "Web Content
 * Caching" advice is that responses carrying session identifiers must not be
 * cached by any intermediary. `wx.request` itself does not cache, but a
 * caching proxy or CDN in front of the developer server could.
 *
 * Expected: `cache-control: no-store` on every response that carries a token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import type { WechatEmulator } from '../../src/emulator/index.ts'
import { startFixture, type Fixture } from '../server/helpers/server-fixture.ts'

let fixture: Fixture
let emulator: WechatEmulator
let app: FastifyInstance

beforeAll(async () => {
  fixture = await startFixture({ rateLimit: false })
  app = fixture.app
  emulator = fixture.wechat
})
afterAll(async () => {
  await fixture.close()
})

describe('responses carrying a session token', () => {
  it('are marked Cache-Control: no-store', async () => {
    const login = await app.inject({ method: 'POST', url: '/auth/login', payload: { code: await emulator.issueCode() } })
    expect(login.statusCode).toBe(200)
    expect(String(login.headers['cache-control'] ?? '')).toMatch(/no-store/)
    const token = (login.json() as { token: string }).token
    const check = await app.inject({ method: 'POST', url: '/auth/session', headers: { authorization: `Bearer ${token}` }, payload: {} })
    expect(check.statusCode).toBe(200)
    expect(String(check.headers['cache-control'] ?? '')).toMatch(/no-store/)
    const refused = await app.inject({ method: 'POST', url: '/auth/login', payload: { code: 'made-up' } })
    expect(refused.statusCode).toBe(401)
    expect(String(refused.headers['cache-control'] ?? '')).toMatch(/no-store/)
  })
})
