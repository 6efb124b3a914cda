/**
 * `npm start` configuration, read from environment variables. Every mistake
 * is reported at once as a `DevServerConfigError` that names the variable;
 * the value of `WX_SECRET` is never quoted.
 */
import { createSecretBox, DEFAULT_SQLITE_PATH, parseSecretBoxKeys } from '../server/index.ts'
import type { SecretBox } from '../server/index.ts'

export const DEFAULT_DEV_PORT = 3000
/** All interfaces, so a phone on the same LAN can reach the server. */
export const DEFAULT_DEV_HOST = '0.0.0.0'
export const DEFAULT_LOG_LEVEL = 'info'
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

export type LogLevel = (typeof LOG_LEVELS)[number]

/** Where code2Session goes: the real WeChat API (or `apiBase`), or an emulator started beside the server. */
export type DevWechatConfig = { kind: 'wechat'; appId: string; secret: string; apiBase?: string } | { kind: 'emulator'; port: number }

export type DevStoreConfig =
  | { kind: 'sqlite'; path: string }
  | { kind: 'redis'; url: string; keyPrefix?: string }
  | { kind: 'redis-cluster'; nodes: Array<{ host: string; port: number }>; keyPrefix?: string }

/**
 * How session_keys are kept at rest: sealed with the configured keys, sealed
 * with a key generated for this run (development), or in plaintext because
 * `SESSION_ENCRYPTION_KEYS=none` says so.
 */
export type DevEncryptionConfig = { kind: 'keys'; box: SecretBox } | { kind: 'generate' } | { kind: 'plaintext' }

export interface DevServerConfig {
  host: string
  /** 0 picks a free port. */
  port: number
  wechat: DevWechatConfig
  store: DevStoreConfig
  encryption: DevEncryptionConfig
  /** The server's default (7 days) when absent. */
  sessionTtlMs?: number
  logLevel: LogLevel
}

/** The environment variables `readDevServerConfig` understands. */
export const DEV_SERVER_ENV_VARS = [
  'PORT',
  'HOST',
  'WX_APPID',
  'WX_SECRET',
  'WX_API_BASE',
  'WX_EMULATOR_PORT',
  'SQLITE_PATH',
  'REDIS_URL',
  'REDIS_CLUSTER_NODES',
  'REDIS_KEY_PREFIX',
  'SESSION_ENCRYPTION_KEYS',
  'SESSION_TTL_MS',
  'LOG_LEVEL',
] as const

export type DevServerEnvVar = (typeof DEV_SERVER_ENV_VARS)[number]

export type DevServerEnv = Partial<Record<string, string | undefined>>

export class DevServerConfigError extends Error {
  override readonly name = 'DevServerConfigError'

  constructor(
    /** The variable at fault. */
    readonly variable: DevServerEnvVar,
    message: string,
  ) {
    super(message)
  }
}

/** Stops the start with the variable at fault named, before anything listens. */
function refuse(variable: DevServerEnvVar, message: string): never {
  throw new DevServerConfigError(variable, message)
}

/** An unset or blank variable counts as absent. */
function valueOf(env: DevServerEnv, name: DevServerEnvVar): string | undefined {
  const raw = env[name]
  if (raw === undefined) return undefined
  const trimmed = raw.trim()
  return trimmed === '' ? undefined : trimmed
}

function readPort(env: DevServerEnv, name: 'PORT' | 'WX_EMULATOR_PORT', fallback: number): number {
  const raw = valueOf(env, name)
  if (raw === undefined) return fallback
  const port = Number(raw)
  if (!/^\d+$/.test(raw) || port > 65_535) {
    refuse(name, `${name} must be a port number from 0 to 65535 (0 picks a free one), got ${JSON.stringify(raw)}`)
  }
  return port
}

function readTtl(env: DevServerEnv): number | undefined {
  const raw = valueOf(env, 'SESSION_TTL_MS')
  if (raw === undefined) return undefined
  const ttl = Number(raw)
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(ttl) || ttl === 0) {
    refuse('SESSION_TTL_MS', `SESSION_TTL_MS must be a positive whole number of milliseconds, got ${JSON.stringify(raw)}`)
  }
  return ttl
}

function readLogLevel(env: DevServerEnv): LogLevel {
  const raw = valueOf(env, 'LOG_LEVEL')?.toLowerCase()
  if (raw === undefined) return DEFAULT_LOG_LEVEL
  const level = LOG_LEVELS.find((candidate) => candidate === raw)
  if (level === undefined) refuse('LOG_LEVEL', `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(raw)}`)
  return level
}

function readHttpUrl(env: DevServerEnv, name: 'WX_API_BASE'): string | undefined {
  const raw = valueOf(env, name)
  if (raw === undefined) return undefined
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    refuse(name, `${name} must be an absolute http(s) URL`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') refuse(name, `${name} must be an absolute http(s) URL`)
  return raw
}

const API_BASE_WITHOUT_APP = 'WX_API_BASE is set but WX_APPID and WX_SECRET are not: set all three, or none to use the local emulator'
const KEY_PREFIX_WITHOUT_REDIS = 'REDIS_KEY_PREFIX is set but neither REDIS_URL nor REDIS_CLUSTER_NODES is'

function readWechat(env: DevServerEnv): DevWechatConfig {
  const appId = valueOf(env, 'WX_APPID')
  const secret = valueOf(env, 'WX_SECRET')
  const apiBase = readHttpUrl(env, 'WX_API_BASE')
  // Neither credential set means the local emulator; one without the other is refused below.
  const usesWechat = appId !== undefined || secret !== undefined
  if (!usesWechat) {
    if (apiBase !== undefined) refuse('WX_API_BASE', API_BASE_WITHOUT_APP)
    return { kind: 'emulator', port: readPort(env, 'WX_EMULATOR_PORT', 0) }
  }
  if (appId === undefined)
    refuse('WX_APPID', 'WX_SECRET is set but WX_APPID is not: set both to use WeChat, or neither to use the local emulator')
  if (secret === undefined)
    refuse('WX_SECRET', 'WX_APPID is set but WX_SECRET is not: set both to use WeChat, or neither to use the local emulator')
  if (valueOf(env, 'WX_EMULATOR_PORT') !== undefined) {
    refuse(
      'WX_EMULATOR_PORT',
      'WX_EMULATOR_PORT only applies to the local emulator, which does not run when WX_APPID and WX_SECRET are set',
    )
  }
  return { kind: 'wechat', appId, secret, ...(apiBase === undefined ? {} : { apiBase }) }
}

function readClusterNodes(raw: string): Array<{ host: string; port: number }> {
  const nodes = raw.split(',').map((entry) => {
    const match = /^\s*([^\s:]+|\[[0-9a-fA-F:]+\]):(\d{1,5})\s*$/.exec(entry)
    const port = Number(match?.[2])
    if (match?.[1] === undefined || !(port > 0 && port <= 65_535)) {
      refuse('REDIS_CLUSTER_NODES', 'REDIS_CLUSTER_NODES must list host:port pairs, comma-separated')
    }
    return { host: match[1].replace(/^\[|\]$/g, ''), port }
  })
  return nodes
}

function readStore(env: DevServerEnv): DevStoreConfig {
  const redisUrl = valueOf(env, 'REDIS_URL')
  const clusterNodes = valueOf(env, 'REDIS_CLUSTER_NODES')
  const keyPrefix = valueOf(env, 'REDIS_KEY_PREFIX')
  if (redisUrl === undefined && clusterNodes === undefined) {
    if (keyPrefix !== undefined) refuse('REDIS_KEY_PREFIX', KEY_PREFIX_WITHOUT_REDIS)
    return { kind: 'sqlite', path: valueOf(env, 'SQLITE_PATH') ?? DEFAULT_SQLITE_PATH }
  }
  if (valueOf(env, 'SQLITE_PATH') !== undefined) {
    refuse(
      'SQLITE_PATH',
      `SQLITE_PATH and ${redisUrl === undefined ? 'REDIS_CLUSTER_NODES' : 'REDIS_URL'} are both set: choose one session store`,
    )
  }
  if (keyPrefix !== undefined && /[{}]/.test(keyPrefix)) {
    refuse('REDIS_KEY_PREFIX', 'REDIS_KEY_PREFIX must not contain { or } (Redis Cluster reads them as a hash tag)')
  }
  if (clusterNodes !== undefined) {
    if (redisUrl !== undefined) refuse('REDIS_CLUSTER_NODES', 'REDIS_URL and REDIS_CLUSTER_NODES are both set: choose one')
    return { kind: 'redis-cluster', nodes: readClusterNodes(clusterNodes), ...(keyPrefix === undefined ? {} : { keyPrefix }) }
  }
  const url = redisUrl as string
  let protocol: string
  try {
    protocol = new URL(url).protocol
  } catch {
    // The URL may hold a password: do not quote it.
    refuse('REDIS_URL', 'REDIS_URL must look like redis://[user:password@]host:port[/db]')
  }
  if (protocol !== 'redis:' && protocol !== 'rediss:') {
    refuse('REDIS_URL', 'REDIS_URL must start with redis:// or rediss://')
  }
  return { kind: 'redis', url, ...(keyPrefix === undefined ? {} : { keyPrefix }) }
}

/**
 * `SESSION_ENCRYPTION_KEYS`: `id:base64key[,id:base64key...]` (the first
 * seals), or `none` for plaintext on purpose. Unset: a key generated for the
 * run, except under `NODE_ENV=production`, which refuses to start without one.
 * No message ever quotes a key.
 */
function readEncryption(env: DevServerEnv): DevEncryptionConfig {
  const raw = valueOf(env, 'SESSION_ENCRYPTION_KEYS')
  if (raw === undefined) {
    if (env['NODE_ENV']?.trim() === 'production') {
      refuse(
        'SESSION_ENCRYPTION_KEYS',
        'NODE_ENV is production and SESSION_ENCRYPTION_KEYS is not set: set it to id:base64key (32 random bytes) to seal session_keys at rest, ' +
          'or to "none" to store them in plaintext on purpose',
      )
    }
    return { kind: 'generate' }
  }
  if (raw.toLowerCase() === 'none') return { kind: 'plaintext' }
  try {
    return { kind: 'keys', box: createSecretBox(parseSecretBoxKeys(raw)) }
  } catch (error) {
    const reason = error instanceof Error ? error.message.replace(/^(createSecretBox|secret box keys): /, '') : 'invalid'
    refuse('SESSION_ENCRYPTION_KEYS', `SESSION_ENCRYPTION_KEYS must be id:base64key[,id:base64key...] or none (${reason})`)
  }
}

/** Reads the configuration of `npm start` from `env` (normally `process.env`). */
export function readDevServerConfig(env: DevServerEnv): DevServerConfig {
  const ttl = readTtl(env)
  return {
    host: valueOf(env, 'HOST') ?? DEFAULT_DEV_HOST,
    port: readPort(env, 'PORT', DEFAULT_DEV_PORT),
    wechat: readWechat(env),
    store: readStore(env),
    encryption: readEncryption(env),
    ...(ttl === undefined ? {} : { sessionTtlMs: ttl }),
    logLevel: readLogLevel(env),
  }
}
