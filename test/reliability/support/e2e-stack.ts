/**
 * The whole login path on real HTTP over 127.0.0.1: the WeChat emulator, the
 * developer server (with an authenticated `GET /me` that answers the caller's
 * openid), and simulated devices running the real client over
 * `wechatPlatform(createSimulatedWx(...))`.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { createLoginClient } from '../../../src/client/index.ts'
import type { LoginClient, LoginClientOptions } from '../../../src/client/index.ts'
import type { SimulatedWx, WechatEmulator } from '../../../src/emulator/index.ts'
import { wechatPlatform } from '../../../src/platform/index.ts'
import type { CreateServerOptions, SessionStore } from '../../../src/server/index.ts'
import { listenDevServer, simulatedPhone, type ListeningServer } from '../../support/dev-stack.ts'

export { TEST_APP_ID as APP_ID, TEST_APP_SECRET as APP_SECRET } from '../../support/dev-stack.ts'

/** Client timeouts for tests on loopback: short, but far above what a healthy step takes. */
export const E2E_CLIENT_TIMEOUTS = {
  readSession: 1_000,
  checkWxSession: 3_000,
  checkServerSession: 3_000,
  wxLogin: 3_000,
  serverLogin: 3_000,
}
export const E2E_CLIENT_RETRY = { attempts: 3, baseDelayMs: 50, maxDelayMs: 400 }

export type ServerHandle = ListeningServer

export type ServerOptions = Partial<Omit<CreateServerOptions, 'store' | 'wechat'>>

/** Registers `GET /me`, the app's own authenticated route: it answers the caller's openid. */
export function addMeRoute(app: FastifyInstance): void {
  app.get('/me', { preHandler: app.authenticate }, async (request) => ({ openid: request.loginSession?.openid ?? null }))
}

/** A developer server over `store`, listening on 127.0.0.1 (port 0 picks one), with `GET /me`. */
export async function startDevServer(
  emulator: WechatEmulator,
  store: SessionStore,
  options: ServerOptions & { port?: number; beforeListen?: (app: FastifyInstance) => void } = {},
): Promise<ServerHandle> {
  const { beforeListen, ...serverOptions } = options
  return listenDevServer(emulator, {
    rateLimit: false,
    code2SessionTimeoutMs: 2_000,
    ...serverOptions,
    store,
    routes: (app) => {
      addMeRoute(app)
      beforeListen?.(app)
    },
  })
}

/** Stops a server the way a crash would: every connection is cut, answered or not. */
export async function crashDevServer(server: ServerHandle): Promise<void> {
  const closing = server.app.close()
  server.app.server.closeAllConnections()
  await closing
}

export { startTestEmulator as startEmulator } from '../../support/dev-stack.ts'

export interface Device {
  wx: SimulatedWx
  client: LoginClient
  openid: string
  /** `storage_error` events the client reported. */
  storageErrors: Array<{ operation: string; code: string }>
}

export interface DeviceOptions {
  openid?: string
  storage?: Map<string, unknown>
  client?: Partial<Omit<LoginClientOptions, 'platform' | 'server'>>
  /** How long the phone waits for any one wx call or HTTP request. Default 3000 ms. */
  callTimeoutMs?: number
}

/** A phone: a simulated wx on the emulator and the real client talking to `baseUrl`. */
export function createDevice(emulator: WechatEmulator, baseUrl: string, options: DeviceOptions = {}): Device {
  const callTimeoutMs = options.callTimeoutMs ?? 3_000
  const wx = simulatedPhone(emulator.url, {
    ...(options.openid === undefined ? {} : { openid: options.openid }),
    ...(options.storage === undefined ? {} : { storage: options.storage }),
    timeoutMs: callTimeoutMs + 2_000,
  })
  const platform = wechatPlatform(wx, { timeouts: { checkSession: callTimeoutMs, request: callTimeoutMs, login: callTimeoutMs } })
  const client = createLoginClient({
    platform,
    server: { baseUrl, timeoutMs: callTimeoutMs },
    timeouts: E2E_CLIENT_TIMEOUTS,
    retry: E2E_CLIENT_RETRY,
    ...options.client,
  })
  const storageErrors: Device['storageErrors'] = []
  client.on('storage_error', (event) => storageErrors.push({ operation: event.operation, code: event.error.code }))
  return { wx, client, openid: wx.sim.openid, storageErrors }
}

/** The outcome of a promise, without throwing. */
export async function outcomeOf<T>(promise: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  try {
    return { ok: true, value: await promise }
  } catch (error) {
    return { ok: false, error }
  }
}

/** Rejects when `promise` has not settled after `ms`: a safety net that turns a hang into a clear failure. */
export function settlesWithin<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms (a hang)`)), ms)
  })
  return Promise.race([promise, hang]).finally(() => clearTimeout(timer))
}

/** Polls `probe` until it answers true; fails after `limitMs` (a safety net, not a timing assertion). */
export async function eventually(probe: () => Promise<boolean> | boolean, what: string, limitMs = 15_000, everyMs = 50): Promise<void> {
  const deadline = Date.now() + limitMs
  for (;;) {
    if (await probe()) return
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, everyMs))
  }
}

/** A fresh directory for SQLite files, removed by `cleanup()`. */
export function tempDir(label: string): { path: string; file(name: string): string; cleanup(): void } {
  const path = mkdtempSync(join(tmpdir(), `mpl-${label}-`))
  return { path, file: (name) => join(path, name), cleanup: () => rmSync(path, { recursive: true, force: true }) }
}
