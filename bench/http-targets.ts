/**
 * What section 4 loads: the developer server with the SQLite store, the same
 * with the Redis store, and a Fastify hello-world route as the ceiling, all
 * in one process so they share the same conditions. Runs in a child process
 * (`http-target-process.ts`) for `npm run bench`, or in the caller's process.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify, { type FastifyInstance } from 'fastify'
import { Redis } from 'ioredis'
import { createServer, createSqliteStore, type SessionStore } from '../src/server/index.ts'
import { generateSessionToken, hashSessionToken } from '../src/server/tokens.ts'
import { createRedisStore } from '../src/server/redis/index.ts'

/**
 * `hello`: the ceiling of `/auth/session`. `login-ceiling-sqlite` and
 * `login-ceiling-redis`: the ceilings of `/auth/login`, one per store.
 */
export type HttpTargetName = 'hello' | 'sqlite' | 'redis' | 'login-ceiling-sqlite' | 'login-ceiling-redis'

export interface HttpTargetsOptions {
  /** The WeChat emulator the developer servers call for code2Session. */
  wechat: { appId: string; secret: string; apiBase: string }
  redisUrl: string
  /** Every Redis key the bench writes starts with this; all are deleted on close. */
  redisKeyPrefix: string
}

export interface HttpTargetsInfo {
  /** Base URL per target; `redis` is missing when Redis did not answer. */
  urls: Partial<Record<HttpTargetName, string>>
  /** Why the Redis target is missing. */
  redisUnavailable?: string
}

export interface HttpTargets extends HttpTargetsInfo {
  /** Closes the servers and stores, deletes the bench's Redis keys and SQLite file. Resolves with how many Redis keys it deleted. */
  close(): Promise<{ redisKeysDeleted: number }>
}

/** Long enough for any run; short enough that keys left by a crash expire by themselves. */
const BENCH_SESSION_TTL_MS = 10 * 60 * 1000

export const HELLO_PATH = '/hello'

function helloWorld(): FastifyInstance {
  const app = Fastify({ logger: false })
  app.post(HELLO_PATH, async () => ({ hello: 'world' }))
  return app
}

export const LOGIN_CEILING_PATH = '/ceiling/login'

/**
 * The fair ceiling of `POST /auth/login`: the least any login can do, in the
 * same process layout: one HTTP call to WeChat's code2Session (the emulator)
 * and one store write, with none of the developer server's checks, limits,
 * error mapping or logging.
 */
function loginCeiling(wechat: HttpTargetsOptions['wechat'], store: SessionStore): FastifyInstance {
  const app = Fastify({ logger: false })
  app.post<{ Body: { code: string } }>(LOGIN_CEILING_PATH, async (request, reply) => {
    const url = new URL('/sns/jscode2session', wechat.apiBase)
    url.search = new URLSearchParams({
      appid: wechat.appId,
      secret: wechat.secret,
      js_code: request.body.code,
      grant_type: 'authorization_code',
    }).toString()
    const answer = (await (await fetch(url)).json()) as { openid?: string; session_key?: string }
    if (typeof answer.openid !== 'string' || typeof answer.session_key !== 'string') return reply.code(502).send({ error: 'code2Session' })
    const token = generateSessionToken()
    const createdAt = Date.now()
    await store.create({
      tokenHash: hashSessionToken(token),
      openid: answer.openid,
      sessionKey: answer.session_key,
      expiresAt: createdAt + BENCH_SESSION_TTL_MS,
      createdAt,
    })
    return { token, expiresAt: createdAt + BENCH_SESSION_TTL_MS }
  })
  app.addHook('onClose', async () => store.close())
  return app
}

async function listen(app: FastifyInstance): Promise<string> {
  return app.listen({ port: 0, host: '127.0.0.1' })
}

async function redisAnswers(url: string): Promise<string | undefined> {
  const client = new Redis(url, { maxRetriesPerRequest: 1, connectTimeout: 2000, lazyConnect: true, retryStrategy: () => null })
  client.on('error', () => {})
  try {
    await client.connect()
    await client.ping()
    return undefined
  } catch (error) {
    return error instanceof Error ? error.message : String(error)
  } finally {
    client.disconnect()
  }
}

export async function deleteRedisKeys(url: string, prefix: string): Promise<number> {
  const client = new Redis(url, { maxRetriesPerRequest: 1 })
  try {
    let cursor = '0'
    let deleted = 0
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)
      cursor = next
      if (keys.length > 0) deleted += await client.del(...keys)
    } while (cursor !== '0')
    return deleted
  } finally {
    await client.quit()
  }
}

export async function startHttpTargets(options: HttpTargetsOptions): Promise<HttpTargets> {
  const sqliteDir = mkdtempSync(join(tmpdir(), 'mpl-bench-'))
  const apps: FastifyInstance[] = []
  const redisUnavailable = await redisAnswers(options.redisUrl)

  const closeAll = async (): Promise<{ redisKeysDeleted: number }> => {
    await Promise.allSettled(apps.map((app) => app.close()))
    rmSync(sqliteDir, { recursive: true, force: true })
    return { redisKeysDeleted: redisUnavailable ? 0 : await deleteRedisKeys(options.redisUrl, options.redisKeyPrefix) }
  }

  try {
    const developerServer = (store: Parameters<typeof createServer>[0]['store']) =>
      createServer({ wechat: options.wechat, store, rateLimit: false, sessionTtlMs: BENCH_SESSION_TTL_MS })

    const hello = helloWorld()
    apps.push(hello)
    const sqlite = await developerServer(createSqliteStore({ path: join(sqliteDir, 'sessions.db'), sweepIntervalMs: false }))
    apps.push(sqlite)
    const urls: Partial<Record<HttpTargetName, string>> = { hello: await listen(hello), sqlite: await listen(sqlite) }
    const sqliteCeiling = loginCeiling(options.wechat, createSqliteStore({ path: join(sqliteDir, 'ceiling.db'), sweepIntervalMs: false }))
    apps.push(sqliteCeiling)
    urls['login-ceiling-sqlite'] = await listen(sqliteCeiling)
    if (!redisUnavailable) {
      const redis = await developerServer(createRedisStore({ url: options.redisUrl, keyPrefix: options.redisKeyPrefix }))
      apps.push(redis)
      urls.redis = await listen(redis)
      const redisCeiling = loginCeiling(
        options.wechat,
        createRedisStore({ url: options.redisUrl, keyPrefix: `${options.redisKeyPrefix}ceiling:` }),
      )
      apps.push(redisCeiling)
      urls['login-ceiling-redis'] = await listen(redisCeiling)
    }
    return { urls, ...(redisUnavailable ? { redisUnavailable } : {}), close: closeAll }
  } catch (error) {
    await closeAll().catch(() => {})
    throw error
  }
}
