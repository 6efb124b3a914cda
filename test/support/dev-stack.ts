/**
 * The two halves every stack test starts on loopback: the shipped WeChat
 * emulator, and the developer server (`createServer`) talking to it and
 * listening on 127.0.0.1. The stacks in e2e/, reliability/, inspect/ and
 * bundle/ add their own routes, defaults and teardown around these.
 */
import { randomBytes } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { startWechatEmulator } from '../../src/emulator/index.ts'
import type { WechatEmulator, WechatEmulatorOptions } from '../../src/emulator/index.ts'
import { createServer } from '../../src/server/index.ts'
import type { CreateServerOptions, SessionStore } from '../../src/server/index.ts'

export const TEST_APP_ID = 'wx7e1ab1e5afe10000'
/** Distinctive and unique per run, so a leak of it is easy to find in any text. */
export const TEST_APP_SECRET = `test-app-secret-NEVER-LOG-${randomBytes(12).toString('hex')}`

export function startTestEmulator(options: Partial<WechatEmulatorOptions> = {}): Promise<WechatEmulator> {
  return startWechatEmulator({ appId: TEST_APP_ID, secret: TEST_APP_SECRET, ...options })
}

export interface ListeningServer {
  app: FastifyInstance
  port: number
  /** `http://127.0.0.1:<port>` */
  baseUrl: string
}

export interface ListenOptions extends Partial<Omit<CreateServerOptions, 'store' | 'wechat'>> {
  store: SessionStore
  /** 0 (default) picks a free port; a test restarting a server passes the old one. */
  port?: number
  /** The app's own routes and hooks, added before the server listens. */
  routes?: (app: FastifyInstance) => void
}

/** The developer server over `store`, talking to `emulator`, listening on 127.0.0.1. */
export async function listenDevServer(emulator: WechatEmulator, options: ListenOptions): Promise<ListeningServer> {
  const { store, port = 0, routes, ...serverOptions } = options
  const app = await createServer({
    ...serverOptions,
    store,
    wechat: { appId: TEST_APP_ID, secret: TEST_APP_SECRET, apiBase: emulator.url },
  })
  try {
    routes?.(app)
    await app.listen({ port, host: '127.0.0.1' })
  } catch (error) {
    await app.close()
    throw error
  }
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('the server did not report a TCP address')
  return { app, port: address.port, baseUrl: `http://127.0.0.1:${address.port}` }
}
