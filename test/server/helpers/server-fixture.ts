/**
 * The developer server wired to the shipped WeChat emulator (src/emulator)
 * and an in-memory SQLite store, for route tests; and the emulator alone, as
 * the WeChat a test's own server or plugin talks to. WeChat misbehaving is
 * staged with the emulator's fault controls (`failNext`, `holdNext`,
 * `answerNextRaw`, …), never with a second fake.
 */
import { randomBytes } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { afterEach } from 'vitest'
import { startWechatEmulator } from '../../../src/emulator/index.ts'
import type { WechatEmulator, WechatEmulatorOptions } from '../../../src/emulator/index.ts'
import { createServer, createSqliteStore } from '../../../src/server/index.ts'
import type { CreateServerOptions, SessionStore } from '../../../src/server/index.ts'

export const EMULATED_APP_ID = 'wx5e1f0c2d3b4a6978'

/** A WeChat user as a test names it; `sessionKey` is the one the emulator handed out at the user's last `codeFor`. */
export interface TestUser {
  openid: string
  unionid?: string
  sessionKey: string
}

/** The emulator, with what a server needs to reach it and a way to log a `TestUser` in on WeChat's side. */
export interface TestWechat extends WechatEmulator {
  readonly secret: string
  /** Same as `url`: the developer server's `wechat.apiBase`. */
  readonly apiBase: string
  /** What `wx.login` does for `user`: a fresh code, and `user.sessionKey` set to the key that login gave. */
  codeFor(user: TestUser): Promise<string>
}

export interface Fixture {
  app: FastifyInstance
  wechat: TestWechat
  store: SessionStore
  secret: string
  /** Logs `openid` in through `/auth/login` with a fresh code (a `wx.login` on WeChat's side). */
  login(openid?: string): Promise<{ token: string; openid: string }>
  close(): Promise<void>
}

let users = 0
/** The unionids `newUser(true)` handed out; the emulator answers them for those users. */
const unionIds = new Map<string, string>()

export function newOpenid(): string {
  users += 1
  return `o-emu-${process.pid}-${users}-${randomBytes(4).toString('hex')}`
}

export function newUser(withUnionid = false): TestUser {
  const openid = newOpenid()
  if (withUnionid) unionIds.set(openid, `oUnion-${openid.slice(2)}`)
  return { openid, sessionKey: '', ...(withUnionid ? { unionid: unionIds.get(openid) } : {}) }
}

export async function startTestWechat(options: Partial<WechatEmulatorOptions> = {}): Promise<TestWechat> {
  const secret = options.secret ?? `emulated-secret-${randomBytes(8).toString('hex')}`
  const unionIdOf = 'openPlatformBound' in options || 'unionIdOf' in options ? undefined : (openid: string) => unionIds.get(openid)
  const emulator = await startWechatEmulator({ appId: EMULATED_APP_ID, ...(unionIdOf ? { unionIdOf } : {}), ...options, secret })
  return {
    ...emulator,
    secret,
    apiBase: emulator.url,
    async codeFor(user) {
      const code = await emulator.issueCode(user.openid)
      user.sessionKey = emulator.sessionKeyOf(user.openid) ?? ''
      return code
    },
  }
}

export async function startFixture(
  overrides: Partial<Omit<CreateServerOptions, 'wechat'>> = {},
  emulatorOptions: Partial<WechatEmulatorOptions> = {},
  beforeReady?: (app: FastifyInstance) => void,
): Promise<Fixture> {
  const wechat = await startTestWechat(emulatorOptions)
  const store = overrides.store ?? createSqliteStore({ path: ':memory:', sweepIntervalMs: false })
  let app: FastifyInstance
  try {
    app = await createServer({
      rateLimit: false,
      code2SessionTimeoutMs: 2000,
      ...overrides,
      store,
      wechat: { appId: wechat.appId, secret: wechat.secret, apiBase: wechat.apiBase },
    })
    beforeReady?.(app)
    await app.ready()
  } catch (error) {
    await store.close()
    await wechat.close()
    throw error
  }
  return {
    app,
    wechat,
    store,
    secret: wechat.secret,
    async login(openid = newOpenid()) {
      const response = await app.inject({ method: 'POST', url: '/auth/login', payload: { code: await wechat.issueCode(openid) } })
      if (response.statusCode !== 200) throw new Error(`login failed: ${response.statusCode} ${response.body}`)
      return { token: response.json<{ token: string }>().token, openid }
    },
    async close() {
      await app.close()
      await wechat.close()
    },
  }
}

/** Call at the top of a test file: a `startFixture` whose fixtures are closed after each test. */
export function useFixtures(): (...args: Parameters<typeof startFixture>) => Promise<Fixture> {
  const started: Fixture[] = []
  afterEach(async () => {
    for (const fixture of started.splice(0)) await fixture.close()
  })
  return async (...args) => {
    const fixture = await startFixture(...args)
    started.push(fixture)
    return fixture
  }
}

export function bearer(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` }
}

/** Logs `user` in through `/auth/login`. */
export async function login(fixture: Fixture, user: TestUser): Promise<{ token: string; expiresAt: number }> {
  const response = await fixture.app.inject({ method: 'POST', url: '/auth/login', payload: { code: await fixture.wechat.codeFor(user) } })
  if (response.statusCode !== 200) throw new Error(`login failed: ${response.statusCode} ${response.body}`)
  return response.json<{ token: string; expiresAt: number }>()
}
