/**
 * The developer server of `npm start`: `createServer` with a SQLite or Redis
 * store, talking to real WeChat or to a WeChat emulator started beside it.
 */
import { registerDemoRoutes } from './demo-routes.ts'
import { randomBytes } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { startWechatEmulator } from '../emulator/index.ts'
import type { WechatEmulator } from '../emulator/index.ts'
import { createSecretBox, createServer, createSqliteStore, DEFAULT_WECHAT_API_BASE, generateSecretBoxKey } from '../server/index.ts'
import { createRedisStore } from '../server/redis/index.ts'
import type { SecretBox, ServerLoggerOption, SessionStore } from '../server/index.ts'
import type { DevEncryptionConfig, DevServerConfig, DevStoreConfig } from './config.ts'
import { reachableUrls } from './reachable-urls.ts'
import type { ReachableUrls } from './reachable-urls.ts'

/** The AppID the emulator accepts in development (any value works; this one says what it is). */
export const DEV_EMULATOR_APP_ID = 'wx0000000000000000'
/** The emulator is WeChat's side, which only the developer server calls: it stays on loopback. */
const EMULATOR_HOST = '127.0.0.1'

export interface StartDevServerOptions {
  /** Receives the emulator's request lines (method, path, outcome; never a query string). Default: dropped. */
  log?: (line: string) => void
  /** Fastify's logger option, in place of `{ level: config.logLevel }`. */
  logger?: ServerLoggerOption
}

/** What the developer server talks to for code2Session. Holds no secret. */
export type DevWechatTarget = { kind: 'emulator'; url: string; appId: string } | { kind: 'wechat'; apiBase: string; appId: string }

/** Where sessions are kept. A Redis password is masked. */
export type DevStoreTarget =
  | { kind: 'sqlite'; path: string }
  | { kind: 'redis'; url: string; keyPrefix: string }
  | { kind: 'redis-cluster'; nodes: string; keyPrefix: string }

/** How session_keys are kept at rest. Holds no key. */
export type DevEncryptionTarget = { kind: 'sealed'; keyId: string; generated: boolean } | { kind: 'plaintext' }

export interface DevServer {
  readonly app: FastifyInstance
  readonly host: string
  /** The port actually bound (useful with port 0). */
  readonly port: number
  readonly urls: ReachableUrls
  readonly wechat: DevWechatTarget
  /** The emulator started beside the server; `undefined` when the server talks to WeChat. */
  readonly emulator: WechatEmulator | undefined
  readonly store: DevStoreTarget
  readonly encryption: DevEncryptionTarget
  /**
   * Stops accepting connections, lets requests in flight finish, closes the
   * store, then the emulator. Idempotent.
   */
  close(): Promise<void>
}

/** `redis://user:secret@host` → `redis://user:***@host`, so the URL can be printed. */
export function maskUrlPassword(raw: string): string {
  try {
    const url = new URL(raw)
    if (url.password === '') return raw
    url.password = '***'
    return url.toString()
  } catch {
    return '(unparsable URL)'
  }
}

/** The configured keys, or one generated for this run (development: sessions then last as long as the process). */
function sealingFor(config: DevEncryptionConfig): { encryption: SecretBox | false; target: DevEncryptionTarget } {
  if (config.kind === 'plaintext') return { encryption: false, target: { kind: 'plaintext' } }
  if (config.kind === 'keys')
    return { encryption: config.box, target: { kind: 'sealed', keyId: config.box.currentKeyId, generated: false } }
  const box = createSecretBox({ keys: [{ id: `dev-${randomBytes(4).toString('hex')}`, key: generateSecretBoxKey() }] })
  return { encryption: box, target: { kind: 'sealed', keyId: box.currentKeyId, generated: true } }
}

function openStore(config: DevStoreConfig, encryption: SecretBox | false): { store: SessionStore; target: DevStoreTarget } {
  if (config.kind === 'sqlite') {
    const store = createSqliteStore({ path: config.path, encryption })
    return { store, target: { kind: 'sqlite', path: store.path } }
  }
  const keyPrefix = config.keyPrefix === undefined ? {} : { keyPrefix: config.keyPrefix }
  if (config.kind === 'redis-cluster') {
    const store = createRedisStore({ cluster: config.nodes, encryption, ...keyPrefix })
    const nodes = config.nodes.map((node) => `${node.host}:${node.port}`).join(',')
    return { store, target: { kind: 'redis-cluster', nodes, keyPrefix: store.keyPrefix } }
  }
  const store = createRedisStore({ url: config.url, encryption, ...keyPrefix })
  return { store, target: { kind: 'redis', url: maskUrlPassword(config.url), keyPrefix: store.keyPrefix } }
}

function describeListenFailure(error: unknown, host: string, port: number, portVariable: 'PORT' | 'WX_EMULATOR_PORT'): Error {
  const code = (error as { code?: unknown } | null)?.code
  const what = portVariable === 'PORT' ? 'the server' : 'the WeChat emulator'
  if (code === 'EADDRINUSE') {
    return new Error(`port ${port} on ${host} is already in use: set ${portVariable} to another port for ${what} (0 picks a free one)`, {
      cause: error,
    })
  }
  if (code === 'EADDRNOTAVAIL') return new Error(`${host} is not an address of this computer: check HOST`, { cause: error })
  if (code === 'EACCES') return new Error(`not allowed to listen on ${host}:${port}: choose a ${portVariable} above 1023`, { cause: error })
  return new Error(`${what} could not listen on ${host}:${port}`, { cause: error })
}

/** Starts the developer server (and the emulator, when no WeChat credentials are configured). */
export async function startDevServer(config: DevServerConfig, options: StartDevServerOptions = {}): Promise<DevServer> {
  const { log } = options
  let emulator: WechatEmulator | undefined
  let wechat: DevWechatTarget
  let appId: string
  let secret: string
  let apiBase: string | undefined

  if (config.wechat.kind === 'emulator') {
    appId = DEV_EMULATOR_APP_ID
    // A fresh secret per run, shared only between the emulator and the server.
    secret = randomBytes(24).toString('base64url')
    try {
      emulator = await startWechatEmulator({
        appId,
        secret,
        host: EMULATOR_HOST,
        port: config.wechat.port,
        ...(log === undefined ? {} : { log: (line: string) => log(`[wechat-emulator] ${line}`) }),
      })
    } catch (error) {
      throw describeListenFailure(error, EMULATOR_HOST, config.wechat.port, 'WX_EMULATOR_PORT')
    }
    apiBase = emulator.url
    wechat = { kind: 'emulator', url: emulator.url, appId }
  } else {
    appId = config.wechat.appId
    secret = config.wechat.secret
    apiBase = config.wechat.apiBase
    wechat = { kind: 'wechat', apiBase: apiBase ?? DEFAULT_WECHAT_API_BASE, appId }
  }

  let app: FastifyInstance | undefined
  try {
    const sealing = sealingFor(config.encryption)
    const { store, target } = openStore(config.store, sealing.encryption)
    try {
      app = await createServer({
        wechat: { appId, secret, ...(apiBase === undefined ? {} : { apiBase }) },
        store,
        ...(config.sessionTtlMs === undefined ? {} : { sessionTtlMs: config.sessionTtlMs }),
        logger: options.logger ?? (config.logLevel === 'silent' ? false : { level: config.logLevel }),
      })
      registerDemoRoutes(app)
    } catch (error) {
      await store.close()
      throw error
    }

    try {
      await store.ping()
    } catch (error) {
      const where =
        target.kind === 'redis'
          ? `Redis at ${target.url}`
          : target.kind === 'redis-cluster'
            ? `the Redis Cluster at ${target.nodes}`
            : `SQLite at ${target.path}`
      throw new Error(`the session store (${where}) does not answer`, { cause: error })
    }

    try {
      await app.listen({ host: config.host, port: config.port })
    } catch (error) {
      throw describeListenFailure(error, config.host, config.port, 'PORT')
    }

    const port = (app.server.address() as AddressInfo).port
    const running = app
    let closing: Promise<void> | undefined
    return {
      app: running,
      host: config.host,
      port,
      urls: reachableUrls(config.host, port),
      wechat,
      emulator,
      store: target,
      encryption: sealing.target,
      close() {
        closing ??= (async () => {
          try {
            // Fastify stops accepting, waits for requests in flight, then its onClose hook closes the store.
            await running.close()
          } finally {
            // Only now: a request in flight may still have been talking to the emulator.
            await emulator?.close()
          }
        })()
        return closing
      },
    }
  } catch (error) {
    await app?.close().catch(() => {})
    await emulator?.close().catch(() => {})
    throw error
  }
}
