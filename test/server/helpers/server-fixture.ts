/** A server wired to a fake WeChat and an in-memory SQLite store, for route tests. */
import type { FastifyInstance } from 'fastify'
import { createServer, createSqliteStore } from '../../../src/server/index.ts'
import type { CreateServerOptions, SessionStore } from '../../../src/server/index.ts'
import { startFakeWechat } from './fake-wechat.ts'
import type { FakeUser, FakeWechat } from './fake-wechat.ts'
import { randomSessionKey } from './wechat-crypto.ts'

export interface Fixture {
  app: FastifyInstance
  wechat: FakeWechat
  store: SessionStore
  close(): Promise<void>
}

let userCounter = 0

export function newUser(withUnionid = false): FakeUser {
  userCounter += 1
  const id = `${process.pid}-${userCounter}`
  return {
    openid: `oFake-openid-${id}`,
    sessionKey: randomSessionKey(),
    ...(withUnionid ? { unionid: `oUnion-${id}` } : {}),
  }
}

export async function startFixture(
  overrides: Partial<Omit<CreateServerOptions, 'wechat'>> & { store?: SessionStore } = {},
  beforeReady?: (app: FastifyInstance) => void,
): Promise<Fixture> {
  const wechat = await startFakeWechat()
  const store = overrides.store ?? createSqliteStore({ path: ':memory:', sweepIntervalMs: false })
  const app = await createServer({
    rateLimit: false,
    code2SessionTimeoutMs: 2000,
    ...overrides,
    store,
    wechat: { appId: wechat.appId, secret: wechat.secret, apiBase: wechat.apiBase },
  })
  beforeReady?.(app)
  await app.ready()
  return {
    app,
    wechat,
    store,
    async close() {
      await app.close()
      await wechat.close()
    },
  }
}

export function bearer(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` }
}

export async function login(fixture: Fixture, user: FakeUser): Promise<{ token: string; expiresAt: number }> {
  const response = await fixture.app.inject({ method: 'POST', url: '/auth/login', payload: { code: fixture.wechat.codeFor(user) } })
  if (response.statusCode !== 200) throw new Error(`login failed: ${response.statusCode} ${response.body}`)
  return response.json<{ token: string; expiresAt: number }>()
}
