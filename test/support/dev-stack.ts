/**
 * The two halves every stack test starts on loopback: the shipped WeChat
 * emulator, and the developer server (`createServer`) talking to it and
 * listening on 127.0.0.1; both together (`startDevStack`), and a simulated
 * phone on the emulator (`simulatedPhone`). The stacks in e2e/, reliability/,
 * inspect/ and bundle/ add their own routes and defaults around these.
 */
import { randomBytes } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { startWechatEmulator } from '../../src/emulator/index.ts'
import { createSimulatedWx } from '../../src/emulator/index.ts'
import type { SimulatedWx, WechatEmulator, WechatEmulatorOptions } from '../../src/emulator/index.ts'
import { createServer, createSqliteStore } from '../../src/server/index.ts'
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

export interface DevStack extends ListeningServer {
  emulator: WechatEmulator
  /** Closes the server, then the emulator; closing twice is harmless. */
  close(): Promise<void>
}

export interface DevStackOptions extends Omit<ListenOptions, 'store' | 'port'> {
  /** Default: an in-memory SQLite store. */
  store?: SessionStore
  emulator?: Partial<WechatEmulatorOptions>
}

/** The emulator and the developer server in front of it; the emulator is closed again when the server fails to start. */
export async function startDevStack(options: DevStackOptions = {}): Promise<DevStack> {
  const { store, emulator: emulatorOptions, ...listenOptions } = options
  const emulator = await startTestEmulator(emulatorOptions)
  let server: ListeningServer
  try {
    server = await listenDevServer(emulator, {
      ...listenOptions,
      store: store ?? createSqliteStore({ path: ':memory:', sweepIntervalMs: false }),
    })
  } catch (error) {
    await emulator.close()
    throw error
  }
  let closing: Promise<void> | undefined
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      await server.app.close()
      await emulator.close()
    })())
  return { ...server, emulator, close }
}

export interface PhoneOptions {
  /** Default: a new WeChat user. */
  openid?: string
  /** Default: empty storage. Pass an earlier phone's to relaunch the mini-program on it. */
  storage?: Map<string, unknown>
  /** How long the phone waits for any one wx call. */
  timeoutMs: number
}

/** A simulated phone (`createSimulatedWx`) on `emulatorUrl`. */
export function simulatedPhone(emulatorUrl: string, options: PhoneOptions): SimulatedWx {
  return createSimulatedWx({
    emulatorUrl,
    ...(options.openid === undefined ? {} : { openid: options.openid }),
    ...(options.storage === undefined ? {} : { storage: options.storage }),
    defaultTimeoutMs: options.timeoutMs,
  })
}
