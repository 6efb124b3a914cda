/**
 * WeChat's side and the developer's side of an end-to-end test, both on real
 * HTTP on 127.0.0.1: the WeChat emulator, and the real developer server
 * (`createServer`) talking to it, with two routes of the app's own.
 */
import type { FastifyInstance } from 'fastify'
import type { WechatEmulator, WechatEmulatorOptions } from '../../../src/emulator/index.ts'
import { createSqliteStore } from '../../../src/server/index.ts'
import type { CreateServerOptions, SessionStore } from '../../../src/server/index.ts'
import { listenDevServer, startTestEmulator } from '../../support/dev-stack.ts'
import { deferCleanup } from './cleanup.ts'

export { TEST_APP_ID as APP_ID, TEST_APP_SECRET as APP_SECRET } from '../../support/dev-stack.ts'

/** The app's own routes, as a developer adds them next to the login routes. */
export const ME_PATH = '/me'
export const ALWAYS_401_PATH = '/always-401'

export interface ApiServer {
  app: FastifyInstance
  baseUrl: string
  /** How often each app route was called, whatever the answer. */
  hits: { me: number; always401: number }
  close(): Promise<void>
}

export interface ApiServerOptions extends Partial<Omit<CreateServerOptions, 'wechat' | 'store'>> {
  /** Default: an in-memory SQLite store. */
  store?: SessionStore
  /** More routes of the app's own, added before the server listens. */
  routes?: (app: FastifyInstance) => void
}

/** Starts the emulator on a free port; closed after the test. */
export async function startEmulator(options: Partial<WechatEmulatorOptions> = {}): Promise<WechatEmulator> {
  const emulator = await startTestEmulator(options)
  deferCleanup(() => emulator.close())
  return emulator
}

/** Starts the developer server against `emulator`, listening on 127.0.0.1; closed after the test (closing twice is harmless). */
export async function startApiServer(emulator: WechatEmulator, options: ApiServerOptions = {}): Promise<ApiServer> {
  const { store, routes, ...rest } = options
  const hits = { me: 0, always401: 0 }
  const addRoutes = (app: FastifyInstance): void => {
    app.get(
      ME_PATH,
      {
        onRequest: async () => {
          hits.me++
        },
        preHandler: app.authenticate,
      },
      async (request) => ({ openid: request.loginSession?.openid }),
    )
    app.get(ALWAYS_401_PATH, async (_request, reply) => {
      hits.always401++
      return reply.code(401).send({ error: 'session_expired' })
    })
    routes?.(app)
  }
  const { app, baseUrl } = await listenDevServer(emulator, {
    code2SessionTimeoutMs: 3_000,
    ...rest,
    store: store ?? createSqliteStore({ path: ':memory:', sweepIntervalMs: false }),
    routes: addRoutes,
  })
  let closing: Promise<void> | undefined
  const close = (): Promise<void> => (closing ??= app.close())
  deferCleanup(close)
  return { app, baseUrl, hits, close }
}

export interface Backend extends ApiServer {
  emulator: WechatEmulator
}

/** The emulator and a developer server in front of it. */
export async function startBackend(options: ApiServerOptions = {}): Promise<Backend> {
  const emulator = await startEmulator()
  const server = await startApiServer(emulator, options)
  return { ...server, emulator }
}

/** Asks the developer server directly whether a token is still a live session. */
export async function checkToken(baseUrl: string, token: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${baseUrl}/auth/session`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })
  const text = await response.text()
  return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) }
}
