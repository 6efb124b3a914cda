/**
 * A server wired to the shipped WeChat emulator (src/emulator) and an
 * in-memory SQLite store, for the routes that need more of WeChat than
 * code2Session: stable_token, getuserphonenumber, checksession,
 * resetusersessionkey.
 */
import { randomBytes } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { startWechatEmulator } from '../../../src/emulator/index.ts'
import type { WechatEmulator, WechatEmulatorOptions } from '../../../src/emulator/index.ts'
import { createServer, createSqliteStore } from '../../../src/server/index.ts'
import type { CreateServerOptions, SessionStore } from '../../../src/server/index.ts'

export const EMULATED_APP_ID = 'wx5e1f0c2d3b4a6978'

export interface EmulatorFixture {
  app: FastifyInstance
  wechat: WechatEmulator
  store: SessionStore
  secret: string
  /** Logs `openid` in through `/auth/login` with a fresh code (a `wx.login` on WeChat's side). */
  login(openid?: string): Promise<{ token: string; openid: string }>
  close(): Promise<void>
}

let users = 0

export function newOpenid(): string {
  users += 1
  return `o-emu-${process.pid}-${users}-${randomBytes(4).toString('hex')}`
}

export async function startEmulatorFixture(
  overrides: Partial<Omit<CreateServerOptions, 'wechat'>> = {},
  emulatorOptions: Partial<WechatEmulatorOptions> = {},
  beforeReady?: (app: FastifyInstance) => void,
): Promise<EmulatorFixture> {
  const secret = `emulated-secret-${randomBytes(8).toString('hex')}`
  const wechat = await startWechatEmulator({ appId: EMULATED_APP_ID, secret, ...emulatorOptions })
  const store = overrides.store ?? createSqliteStore({ path: ':memory:', sweepIntervalMs: false })
  let app: FastifyInstance
  try {
    app = await createServer({
      rateLimit: false,
      ...overrides,
      store,
      wechat: { appId: EMULATED_APP_ID, secret, apiBase: wechat.url },
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
    secret,
    async login(openid = newOpenid()) {
      const code = await wechat.issueCode(openid)
      const response = await app.inject({ method: 'POST', url: '/auth/login', payload: { code } })
      if (response.statusCode !== 200) throw new Error(`login failed: ${response.statusCode} ${response.body}`)
      return { token: response.json<{ token: string }>().token, openid }
    },
    async close() {
      await app.close()
      await wechat.close()
    },
  }
}
