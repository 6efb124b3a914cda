/**
 * A `SessionStore` in Redis via ioredis. Each session is one string key with
 * a native TTL, so Redis itself forgets expired sessions; a per-openid set
 * indexes a user's sessions for "log out everywhere" and single-session mode.
 * Several server instances can share one Redis. Works with a standalone Redis
 * or Sentinel (not Cluster: the scripts touch keys of several hash slots).
 */
import { createHash } from 'node:crypto'
import { Redis } from 'ioredis'
import { assertSessionRecord, isTokenHash, toSessionRecord } from './record.ts'
import { SessionStoreError } from './store-error.ts'
import type { CreateSessionOptions, SessionRecord, SessionStore } from './types.ts'
import { safeEqual } from '../tokens.ts'

export const DEFAULT_REDIS_KEY_PREFIX = 'mpl:'
export const DEFAULT_REDIS_OPERATION_TIMEOUT_MS = 3000

interface RedisStoreCommonOptions {
  /** Prepended to every key this store writes. Default `mpl:`. */
  keyPrefix?: string
  /** No store operation waits longer than this; it rejects with a `SessionStoreError` instead. Default 3000 ms. */
  operationTimeoutMs?: number
}

export interface RedisUrlStoreOptions extends RedisStoreCommonOptions {
  /** `redis://[user:password@]host:port[/db]`. The store owns this connection and closes it. */
  url: string
  /** Default 2000 ms. */
  connectTimeoutMs?: number
}

export interface RedisClientStoreOptions extends RedisStoreCommonOptions {
  /** A connection you own: `close()` leaves it open. Give it a bounded `maxRetriesPerRequest` so a Redis outage fails fast. */
  client: Redis
}

export type RedisStoreOptions = RedisUrlStoreOptions | RedisClientStoreOptions

export interface RedisSessionStore extends SessionStore {
  readonly keyPrefix: string
}

interface Script {
  source: string
  sha: string
}

function script(source: string): Script {
  return { source, sha: createHash('sha1').update(source).digest('hex') }
}

/**
 * KEYS[1] session key, KEYS[2] openid index.
 * ARGV[1] record JSON, ARGV[2] TTL ms, ARGV[3] '1' to replace the user's other sessions,
 * ARGV[4] session key prefix (full, including the client's own prefix), ARGV[5] token hash.
 * Prunes index entries whose session already expired, so the set stays small.
 */
const CREATE = script(`
local members = redis.call('SMEMBERS', KEYS[2])
for _, hash in ipairs(members) do
  local key = ARGV[4] .. hash
  if ARGV[3] == '1' then
    redis.call('DEL', key)
    redis.call('SREM', KEYS[2], hash)
  elseif redis.call('EXISTS', key) == 0 then
    redis.call('SREM', KEYS[2], hash)
  end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('SADD', KEYS[2], ARGV[5])
local ttl = redis.call('PTTL', KEYS[2])
if ttl < tonumber(ARGV[2]) then
  redis.call('PEXPIRE', KEYS[2], ARGV[2])
end
return 1
`)

/** KEYS[1] session key. ARGV[1] openid index prefix (full), ARGV[2] token hash. */
const DELETE = script(`
local value = redis.call('GET', KEYS[1])
if not value then return 0 end
redis.call('DEL', KEYS[1])
local ok, record = pcall(cjson.decode, value)
if ok and type(record) == 'table' and type(record.openid) == 'string' then
  redis.call('SREM', ARGV[1] .. record.openid, ARGV[2])
end
return 1
`)

/** KEYS[1] openid index. ARGV[1] session key prefix (full). */
const DELETE_BY_OPENID = script(`
local members = redis.call('SMEMBERS', KEYS[1])
local removed = 0
for _, hash in ipairs(members) do
  removed = removed + redis.call('DEL', ARGV[1] .. hash)
end
redis.call('DEL', KEYS[1])
return removed
`)

function isNoScriptError(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT')
}

function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new SessionStoreError(`the Redis session store did not ${what} within ${ms} ms`)), ms)
  })
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer))
}

function ownedClient(options: RedisUrlStoreOptions): Redis {
  const client = new Redis(options.url, {
    connectTimeout: options.connectTimeoutMs ?? 2000,
    commandTimeout: options.operationTimeoutMs ?? DEFAULT_REDIS_OPERATION_TIMEOUT_MS,
    // While Redis is unreachable, commands fail at once (the route answers
    // 503) instead of queueing until a reconnection that may never come.
    enableOfflineQueue: false,
    // A command caught in flight by a dropped connection waits through one reconnection at most.
    maxRetriesPerRequest: 1,
    // Keep reconnecting in the background, at most every 2 s.
    retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
  })
  // Failures surface through the commands that hit them; without a listener
  // ioredis would also print every reconnection error to the console.
  client.on('error', () => {})
  return client
}

/**
 * While the first connection is being set up, waits for it to succeed or
 * fail, so commands issued right after start-up are not refused for want of
 * an offline queue. In any other state it returns at once.
 */
function settledConnection(client: Redis): Promise<void> {
  if (client.status !== 'connecting' && client.status !== 'connect') return Promise.resolve()
  return new Promise((resolve) => {
    const settle = (): void => {
      client.off('ready', settle)
      client.off('error', settle)
      client.off('close', settle)
      resolve()
    }
    client.on('ready', settle)
    client.on('error', settle)
    client.on('close', settle)
  })
}

export function createRedisStore(options: RedisStoreOptions): RedisSessionStore {
  if (typeof options !== 'object' || options === null) throw new TypeError('createRedisStore: options must be an object')
  const keyPrefix = options.keyPrefix ?? DEFAULT_REDIS_KEY_PREFIX
  if (typeof keyPrefix !== 'string') throw new TypeError('createRedisStore: keyPrefix must be a string')
  const timeoutMs = options.operationTimeoutMs ?? DEFAULT_REDIS_OPERATION_TIMEOUT_MS
  if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) throw new RangeError('createRedisStore: operationTimeoutMs must be a positive number')

  let client: Redis
  let owned: boolean
  if ('client' in options && options.client !== undefined) {
    if (!(options.client instanceof Redis)) throw new TypeError('createRedisStore: client must be an ioredis Redis instance')
    client = options.client
    owned = false
  } else if ('url' in options && typeof options.url === 'string' && options.url.length > 0) {
    client = ownedClient(options)
    owned = true
  } else {
    throw new TypeError('createRedisStore: pass either { url } or { client }')
  }

  // ioredis adds its own keyPrefix to KEYS but not to keys a script builds itself.
  const clientPrefix = client.options.keyPrefix ?? ''
  const sessionPrefix = `${keyPrefix}session:`
  const openidPrefix = `${keyPrefix}openid:`
  const sessionKey = (tokenHash: string): string => sessionPrefix + tokenHash
  const openidKey = (openid: string): string => openidPrefix + openid

  let closed = false

  async function run<T>(what: string, work: () => Promise<T>): Promise<T> {
    if (closed) throw new SessionStoreError('the Redis session store is closed')
    try {
      return await withTimeout(
        settledConnection(client).then(() => work()),
        timeoutMs,
        what,
      )
    } catch (error) {
      if (error instanceof SessionStoreError) throw error
      throw new SessionStoreError(`the Redis session store failed to ${what}`, { cause: error })
    }
  }

  async function evalScript(target: Script, keys: string[], args: (string | number)[]): Promise<unknown> {
    try {
      return await client.evalsha(target.sha, keys.length, ...keys, ...args)
    } catch (error) {
      if (!isNoScriptError(error)) throw error
      return client.eval(target.source, keys.length, ...keys, ...args)
    }
  }

  return {
    keyPrefix,

    async create(record: SessionRecord, createOptions: CreateSessionOptions = {}): Promise<void> {
      assertSessionRecord(record)
      const ttlMs = record.expiresAt - Date.now()
      const replace = createOptions.replaceOpenidSessions === true
      if (ttlMs <= 0) {
        // Already expired: nothing to keep, but the replacement still happens.
        if (replace)
          await run("delete a user's sessions", () =>
            evalScript(DELETE_BY_OPENID, [openidKey(record.openid)], [clientPrefix + sessionPrefix]),
          )
        return
      }
      const value = JSON.stringify({
        tokenHash: record.tokenHash,
        openid: record.openid,
        ...(record.unionid === undefined ? {} : { unionid: record.unionid }),
        sessionKey: record.sessionKey,
        expiresAt: record.expiresAt,
        createdAt: record.createdAt,
      })
      await run('create a session', () =>
        evalScript(
          CREATE,
          [sessionKey(record.tokenHash), openidKey(record.openid)],
          [value, Math.ceil(ttlMs), replace ? '1' : '0', clientPrefix + sessionPrefix, record.tokenHash],
        ),
      )
    },

    async get(tokenHash: string): Promise<SessionRecord | undefined> {
      if (!isTokenHash(tokenHash)) return undefined
      const value = await run('read a session', () => client.get(sessionKey(tokenHash)))
      if (value === null) return undefined
      let parsed: unknown
      try {
        parsed = JSON.parse(value)
      } catch (error) {
        throw new SessionStoreError('the Redis session store holds a corrupt session', { cause: error })
      }
      if (typeof parsed !== 'object' || parsed === null) throw new SessionStoreError('the Redis session store holds a corrupt session')
      const fields = parsed as Record<string, unknown>
      const record = toSessionRecord({
        tokenHash: fields['tokenHash'],
        openid: fields['openid'],
        unionid: fields['unionid'],
        sessionKey: fields['sessionKey'],
        expiresAt: fields['expiresAt'],
        createdAt: fields['createdAt'],
      })
      if (record === undefined) throw new SessionStoreError('the Redis session store holds a corrupt session')
      if (!safeEqual(record.tokenHash, tokenHash)) return undefined
      // Redis expires the key itself; this also covers clock skew between us and Redis.
      return record.expiresAt > Date.now() ? record : undefined
    },

    async delete(tokenHash: string): Promise<boolean> {
      if (!isTokenHash(tokenHash)) return false
      const removed = await run('delete a session', () =>
        evalScript(DELETE, [sessionKey(tokenHash)], [clientPrefix + openidPrefix, tokenHash]),
      )
      return removed === 1
    },

    async deleteByOpenid(openid: string): Promise<number> {
      if (typeof openid !== 'string' || openid.length === 0) throw new TypeError('deleteByOpenid: openid must be a non-empty string')
      const removed = await run("delete a user's sessions", () =>
        evalScript(DELETE_BY_OPENID, [openidKey(openid)], [clientPrefix + sessionPrefix]),
      )
      return typeof removed === 'number' ? removed : 0
    },

    async ping(): Promise<void> {
      await run('answer a ping', () => client.ping())
    },

    async close(): Promise<void> {
      if (closed) return
      closed = true
      if (!owned) return
      if (client.status === 'ready') {
        try {
          await withTimeout(client.quit(), timeoutMs, 'quit')
          return
        } catch {
          // Could not say goodbye politely; drop the connection below.
        }
      }
      client.disconnect()
    },
  }
}
