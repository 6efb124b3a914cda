/**
 * A `SessionStore` in Redis via ioredis, the same code on a standalone Redis,
 * Sentinel (pass the client) or Redis Cluster. Each session is one key with a
 * native TTL, so Redis itself forgets expired sessions; a per-user sorted set
 * indexes a user's sessions by expiry for the cap, "log out everywhere" and
 * single-session mode. All of one user's keys share a hash tag, so every
 * script touches one slot; a pointer key per token finds the user's slot
 * (layout and reasons: redis-keys.ts, docs/server.md). Several server
 * instances can share one Redis, rate-limit counters included.
 */
import type { ClusterNode } from 'ioredis'
import { assertSessionRecord, isTokenHash, toSessionRecord } from './record.ts'
import { clientKeyPrefix, connectToCluster, connectToUrl, isCluster, isConnection, settledConnection } from './redis-connection.ts'
import type { RedisConnection } from './redis-connection.ts'
import { assertNoBraces, redisKeys } from './redis-keys.ts'
import { WriteTooLate, type RedisStoreContext } from './redis-context.ts'
import { COUNT_HIT, CREATE_SESSION, DELETE_SESSION, DELETE_USER_SESSIONS, READ_SESSIONS, SET_POINTER, TOO_LATE } from './redis-scripts.ts'
import type { Script } from './redis-scripts.ts'
import { ReadBatch } from './read-batch.ts'
import { createRedisTokenCache } from './redis-token-cache.ts'
import { createRedisUsers } from './redis-users.ts'
import { SEALING_CONTEXTS, secretCodec } from './session-key-codec.ts'
import type { SessionKeyEncryption } from './session-key-codec.ts'
import { DEFAULT_MAX_SESSIONS_PER_USER, DEFAULT_STORE_OPERATION_TIMEOUT_MS, positiveInteger } from './store-limits.ts'
import { SessionStoreError } from './store-error.ts'
import { TokenOwnerCache } from './token-owner-cache.ts'
import type { CreateSessionOptions, RateLimitCounter, RateLimitHit, SessionRecord, SessionStore, UserStore } from './types.ts'
import type { WechatTokenCache } from '../wechat/access-token/token-cache.ts'
import { safeEqual } from '../tokens.ts'
import { isWechatId } from '../wechat/identity-shape.ts'
import { MAX_TIMER_DELAY_MS } from '../timer-delay.ts'

export const DEFAULT_REDIS_KEY_PREFIX = 'mpl:'
export const DEFAULT_REDIS_OPERATION_TIMEOUT_MS = DEFAULT_STORE_OPERATION_TIMEOUT_MS
const DEFAULT_CONNECT_TIMEOUT_MS = 2000
/** Session reads per script call at most: a script blocks Redis while it runs, so a large batch goes as several. */
const READS_PER_SCRIPT = 100

interface RedisStoreCommonOptions {
  /** Prepended to every key this store writes (no braces). Default `mpl:`. */
  keyPrefix?: string
  /** No store operation waits longer than this; it rejects with a `SessionStoreError` instead, and a write that late is never made. Default 3000 ms. */
  operationTimeoutMs?: number
  /** A user's live sessions at most; a login past it evicts the user's oldest. Default 10. */
  maxSessionsPerUser?: number
  /**
   * Seals each session_key, phone number and access_token at rest
   * (`createSecretBox`). `false` stores them in plaintext on purpose. Left
   * out, they are stored in plaintext, except that with `NODE_ENV=production`
   * the store refuses to be created.
   */
  encryption?: SessionKeyEncryption
}

export interface RedisUrlStoreOptions extends RedisStoreCommonOptions {
  /** `redis://[user:password@]host:port[/db]` (or `rediss://`). The store owns this connection and closes it. */
  url: string
  /** Default 2000 ms. */
  connectTimeoutMs?: number
}

export interface RedisClusterStoreOptions extends RedisStoreCommonOptions {
  /** Some of the Cluster's nodes (`{ host, port }`); the others are discovered. The store owns this connection and closes it. */
  cluster: ReadonlyArray<ClusterNode>
  /** Default 2000 ms. */
  connectTimeoutMs?: number
}

export interface RedisClientStoreOptions extends RedisStoreCommonOptions {
  /**
   * A connection you own, `Redis` (standalone or Sentinel) or `Cluster`:
   * `close()` leaves it open. Give it a bounded `maxRetriesPerRequest` so a
   * Redis outage fails fast.
   */
  client: RedisConnection
}

export type RedisStoreOptions = RedisUrlStoreOptions | RedisClusterStoreOptions | RedisClientStoreOptions

export interface RedisSessionStore extends SessionStore {
  readonly keyPrefix: string
  readonly maxSessionsPerUser: number
  /** Counters in Redis, shared by every instance over the same prefix. */
  readonly rateLimitCounter: RateLimitCounter
  readonly users: UserStore
  /** The access_token shared by every instance over the same prefix. */
  readonly wechatTokenCache: WechatTokenCache
}

/** A session's key and its user's hash key, read together. */
interface SessionKeyPair {
  session: string
  user: string
}

/** What Redis holds under a pair: the session JSON and the user's sealed session_key, each `null` when absent. */
type SessionAnswer = [session: unknown, userKey: unknown]

function isNoScriptError(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT')
}

/** `work`'s outcome, or a `SessionStoreError` after `ms`. One promise and one timer: every session check passes here. */
function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new SessionStoreError(`the Redis session store did not ${what} within ${ms} ms`)), ms)
    work.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (error: unknown) => {
        clearTimeout(timer)
        reject(error)
      },
    )
  })
}

function connectionOf(options: RedisStoreOptions, commandTimeoutMs: number): { connection: RedisConnection; owned: boolean } {
  if ('client' in options && options.client !== undefined) {
    if (!isConnection(options.client)) throw new TypeError('createRedisStore: client must be an ioredis Redis or Cluster instance')
    return { connection: options.client, owned: false }
  }
  const connectTimeoutMs = positiveInteger(
    (options as { connectTimeoutMs?: unknown }).connectTimeoutMs,
    DEFAULT_CONNECT_TIMEOUT_MS,
    'createRedisStore: connectTimeoutMs',
  )
  const settings = { connectTimeoutMs, commandTimeoutMs }
  if ('cluster' in options && options.cluster !== undefined) {
    if (!Array.isArray(options.cluster) || options.cluster.length === 0) {
      throw new TypeError('createRedisStore: cluster must list at least one node ({ host, port })')
    }
    return { connection: connectToCluster(options.cluster, settings), owned: true }
  }
  if ('url' in options && typeof options.url === 'string' && options.url.length > 0) {
    return { connection: connectToUrl(options.url, settings), owned: true }
  }
  throw new TypeError('createRedisStore: pass one of { url }, { cluster: nodes } or { client }')
}

function numberAt(answer: unknown, index: number): number | undefined {
  const value = Array.isArray(answer) ? (answer as unknown[])[index] : undefined
  return typeof value === 'number' ? value : undefined
}

/** The token hashes an answer lists after its first element. */
function hashesAfterFirst(answer: unknown): string[] {
  if (!Array.isArray(answer)) return []
  return (answer as unknown[]).slice(1).filter(isTokenHash)
}

export function createRedisStore(options: RedisStoreOptions): RedisSessionStore {
  if (typeof options !== 'object' || options === null) throw new TypeError('createRedisStore: options must be an object')
  const keyPrefix = options.keyPrefix ?? DEFAULT_REDIS_KEY_PREFIX
  if (typeof keyPrefix !== 'string') throw new TypeError('createRedisStore: keyPrefix must be a string')
  assertNoBraces(keyPrefix, 'createRedisStore: keyPrefix')
  const timeoutMs = options.operationTimeoutMs ?? DEFAULT_REDIS_OPERATION_TIMEOUT_MS
  // Past MAX_TIMER_DELAY_MS Node fires the deadline (and ioredis' command timeout) after 1 ms: every operation would fail.
  if (!(Number.isFinite(timeoutMs) && timeoutMs > 0 && timeoutMs <= MAX_TIMER_DELAY_MS)) {
    throw new RangeError(`createRedisStore: operationTimeoutMs must be a positive number of ms up to ${MAX_TIMER_DELAY_MS}`)
  }
  const maxSessionsPerUser = positiveInteger(
    options.maxSessionsPerUser,
    DEFAULT_MAX_SESSIONS_PER_USER,
    'createRedisStore: maxSessionsPerUser',
  )
  const codec = secretCodec(options.encryption, 'createRedisStore')

  const { connection: client, owned } = connectionOf(options, timeoutMs)
  // ioredis adds its own keyPrefix to KEYS but not to keys a script builds itself.
  const clientPrefix = clientKeyPrefix(client)
  assertNoBraces(clientPrefix, 'createRedisStore: the client keyPrefix')
  const keys = redisKeys(keyPrefix)

  let closed = false

  async function run<T>(what: string, work: () => Promise<T>): Promise<T> {
    if (closed) throw new SessionStoreError('the Redis session store is closed')
    try {
      // Once connected (nearly always), the work starts at once rather than a turn later.
      const started = client.status === 'ready' ? work() : settledConnection(client).then(() => work())
      return await withTimeout(started, timeoutMs, what)
    } catch (error) {
      if (error instanceof SessionStoreError) throw error
      if (error instanceof WriteTooLate) throw new SessionStoreError(`the Redis session store did not ${what} within ${timeoutMs} ms`)
      throw new SessionStoreError(`the Redis session store failed to ${what}`, { cause: error })
    }
  }

  async function evalScript(target: Script, scriptKeys: string[], args: Array<string | number>): Promise<unknown> {
    try {
      return await client.evalsha(target.sha, scriptKeys.length, ...scriptKeys, ...args)
    } catch (error) {
      if (!isNoScriptError(error)) throw error
      return client.eval(target.source, scriptKeys.length, ...scriptKeys, ...args)
    }
  }

  const owners = new TokenOwnerCache()

  /** Reads sessions with their users' keys, one pair per session: `[session JSON, sealed session_key]`, each `null` when absent. */
  async function readSessions(pairs: readonly SessionKeyPair[]): Promise<SessionAnswer[]> {
    if (pairs.length > READS_PER_SCRIPT) {
      const chunks: Array<readonly SessionKeyPair[]> = []
      for (let start = 0; start < pairs.length; start += READS_PER_SCRIPT) chunks.push(pairs.slice(start, start + READS_PER_SCRIPT))
      return (await Promise.all(chunks.map(readSessions))).flat()
    }
    const answer = await evalScript(
      READ_SESSIONS,
      pairs.flatMap((pair) => [pair.session, pair.user]),
      [],
    )
    const values: unknown[] = Array.isArray(answer) ? answer : []
    return pairs.map((_, i) => [values[2 * i], values[2 * i + 1]])
  }

  // On a standalone Redis the checks of one turn are read by one script call (read-batch.ts); on a
  // Cluster each pair is its own call, since two users' keys are in two slots.
  const batchedReads = isCluster(client) ? undefined : new ReadBatch<SessionKeyPair, SessionAnswer>(readSessions)
  const readSession = (pair: SessionKeyPair): Promise<SessionAnswer> =>
    batchedReads !== undefined ? batchedReads.read(pair) : readSessions([pair]).then(([answer]) => answer as SessionAnswer)

  /** Deletes pointers whose sessions are gone; a pointer left behind leads to nothing and expires with its session. */
  function dropPointers(hashes: string[]): void {
    for (const hash of hashes) {
      owners.forget(hash)
      client.del(keys.pointer(hash)).catch(() => {})
    }
  }

  /**
   * After a create whose outcome is unknown (a timeout, a dropped
   * connection): deletes what it may have written. Sent on the same
   * connections, so it runs after the create if that ever reaches Redis.
   * Best effort: the login has already failed, and what could stay behind is
   * a session whose token nobody received.
   */
  function undoCreate(record: SessionRecord): void {
    evalScript(DELETE_SESSION, [keys.session(record.openid, record.tokenHash), keys.index(record.openid)], [record.tokenHash]).then(
      () => dropPointers([record.tokenHash]),
      () => dropPointers([record.tokenHash]),
    )
  }

  async function createSession(record: SessionRecord, replace: boolean, deadline: number): Promise<void> {
    // No session_key in the session: the user's hash holds the newest, for every session of the user.
    const value = JSON.stringify({
      tokenHash: record.tokenHash,
      openid: record.openid,
      ...(record.unionid === undefined ? {} : { unionid: record.unionid }),
      ...(record.userId === undefined ? {} : { userId: record.userId }),
      ...(record.claims === undefined ? {} : { claims: record.claims }),
      expiresAt: record.expiresAt,
      createdAt: record.createdAt,
    })
    // The pointer first: without its session it leads nowhere; a session without it could never be found.
    const pointed = await evalScript(SET_POINTER, [keys.pointer(record.tokenHash)], [record.openid, record.expiresAt, deadline])
    if (pointed === TOO_LATE) throw new WriteTooLate()
    const answer = await evalScript(
      CREATE_SESSION,
      [keys.session(record.openid, record.tokenHash), keys.index(record.openid), keys.user(record.openid)],
      [
        value,
        record.expiresAt,
        deadline,
        maxSessionsPerUser,
        replace ? '1' : '0',
        clientPrefix + keys.sessionPrefix(record.openid),
        record.tokenHash,
        codec.seal(record.sessionKey, SEALING_CONTEXTS.userSessionKey(record.openid)),
        record.createdAt,
        record.unionid ?? '',
        record.userId ?? '',
        record.sessionKeyAt ?? record.createdAt,
      ],
    )
    if (numberAt(answer, 0) === TOO_LATE) {
      dropPointers([record.tokenHash])
      throw new WriteTooLate()
    }
    // Never this session's own pointer, whatever a script answered.
    dropPointers(hashesAfterFirst(answer).filter((hash) => !safeEqual(hash, record.tokenHash)))
    owners.remember(record.tokenHash, record.openid)
  }

  async function deleteUserSessions(openid: string): Promise<number> {
    const answer = await evalScript(DELETE_USER_SESSIONS, [keys.index(openid)], [clientPrefix + keys.sessionPrefix(openid)])
    dropPointers(hashesAfterFirst(answer))
    return numberAt(answer, 0) ?? 0
  }

  /** The openid a token hash points to, or `undefined`. */
  async function ownerOf(tokenHash: string): Promise<string | undefined> {
    const known = owners.ownerOf(tokenHash)
    if (known !== undefined) return known
    const openid = await client.get(keys.pointer(tokenHash))
    if (openid === null) return undefined
    if (!isWechatId(openid)) throw new SessionStoreError('the Redis session store holds a corrupt session pointer')
    owners.remember(tokenHash, openid)
    return openid
  }

  const rateLimitCounter: RateLimitCounter = {
    async hit(key: string, windowMs: number): Promise<RateLimitHit> {
      if (typeof key !== 'string' || key.length === 0) throw new TypeError('rateLimitCounter.hit: key must be a non-empty string')
      assertNoBraces(key, 'rateLimitCounter.hit: key')
      if (!(Number.isSafeInteger(windowMs) && windowMs > 0))
        throw new RangeError('rateLimitCounter.hit: windowMs must be a positive integer')
      const answer = await run('count a rate-limit hit', () => evalScript(COUNT_HIT, [keys.counter('login', key)], [windowMs]))
      const count = numberAt(answer, 0)
      const resetInMs = numberAt(answer, 1)
      if (count === undefined || resetInMs === undefined)
        throw new SessionStoreError('the Redis session store gave a malformed counter answer')
      return { count, resetInMs }
    },
  }

  const context: RedisStoreContext = { client, keys, codec, timeoutMs, run, evalScript }
  const users = createRedisUsers(context)
  const wechatTokenCache = createRedisTokenCache(context)

  return {
    keyPrefix,
    maxSessionsPerUser,
    rateLimitCounter,
    users,
    wechatTokenCache,

    async create(record: SessionRecord, createOptions: CreateSessionOptions = {}): Promise<void> {
      assertSessionRecord(record)
      const replace = createOptions.replaceOpenidSessions === true
      if (record.expiresAt <= Date.now()) {
        // Already expired: nothing to keep, but the replacement still happens.
        if (replace) await run("delete a user's sessions", () => deleteUserSessions(record.openid))
        return
      }
      const deadline = Date.now() + timeoutMs
      try {
        await run('create a session', () => createSession(record, replace, deadline))
      } catch (error) {
        if (!closed) undoCreate(record)
        throw error
      }
    },

    async get(tokenHash: string): Promise<SessionRecord | undefined> {
      if (!isTokenHash(tokenHash)) return undefined
      const found = await run('read a session', async () => {
        const openid = await ownerOf(tokenHash)
        if (openid === undefined) return undefined
        const [value, userKey] = await readSession({ session: keys.session(openid, tokenHash), user: keys.user(openid) })
        if (typeof value !== 'string') {
          // Gone (expired, or deleted by another instance): nothing to remember it for.
          owners.forget(tokenHash)
          return undefined
        }
        return { openid, value, userKey: typeof userKey === 'string' ? userKey : undefined }
      })
      if (found === undefined) return undefined
      let parsed: unknown
      try {
        parsed = JSON.parse(found.value)
      } catch (error) {
        throw new SessionStoreError('the Redis session store holds a corrupt session', { cause: error })
      }
      if (typeof parsed !== 'object' || parsed === null) throw new SessionStoreError('the Redis session store holds a corrupt session')
      const fields = parsed as Record<string, unknown>
      const ownKey = fields['sessionKey']
      // The user's hash is gone (deleted by hand, or evicted under a maxmemory-policy other than
      // noeviction) and the session holds no key of its own: no session can be served without its
      // session_key. No session, as SQLite answers, so the client logs in again and the login writes
      // the user anew; a 503 would have kept the user retrying for the session's whole life.
      if (found.userKey === undefined && ownKey === undefined) return undefined
      const record = toSessionRecord({
        tokenHash: fields['tokenHash'],
        openid: fields['openid'],
        unionid: fields['unionid'],
        // Checked for shape here, opened below.
        sessionKey: found.userKey ?? ownKey,
        userId: fields['userId'],
        claims: fields['claims'],
        expiresAt: fields['expiresAt'],
        createdAt: fields['createdAt'],
      })
      if (record === undefined || record.openid !== found.openid)
        throw new SessionStoreError('the Redis session store holds a corrupt session')
      if (!safeEqual(record.tokenHash, tokenHash)) return undefined
      // Redis expires the key itself; this also covers clock skew between us and Redis.
      if (record.expiresAt <= Date.now()) return undefined
      // The user's newest key; a session written before per-user keys falls back on its own.
      const sessionKey =
        found.userKey !== undefined
          ? codec.open(found.userKey, SEALING_CONTEXTS.userSessionKey(record.openid))
          : codec.open(record.sessionKey, SEALING_CONTEXTS.session(record.tokenHash))
      // Sealed under a key this store does not hold (or not sealed when it should be): no usable session.
      return sessionKey === undefined ? undefined : { ...record, sessionKey }
    },

    async delete(tokenHash: string): Promise<boolean> {
      if (!isTokenHash(tokenHash)) return false
      const removed = await run('delete a session', async () => {
        const openid = await ownerOf(tokenHash)
        if (openid === undefined) return 0
        owners.forget(tokenHash)
        const answer = await evalScript(DELETE_SESSION, [keys.session(openid, tokenHash), keys.index(openid)], [tokenHash])
        await client.del(keys.pointer(tokenHash))
        return answer
      })
      return removed === 1
    },

    async deleteByOpenid(openid: string): Promise<number> {
      if (typeof openid !== 'string' || openid.length === 0) throw new TypeError('deleteByOpenid: openid must be a non-empty string')
      // An openid that could not be stored has no sessions (and would not make a key of one slot).
      if (!isWechatId(openid)) return 0
      return run("delete a user's sessions", () => deleteUserSessions(openid))
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
