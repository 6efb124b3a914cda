/**
 * The reference developer server: trades `wx.login` codes for its own session
 * tokens via WeChat's `auth.code2Session`, keeping `session_key` server-side.
 */
import Fastify from 'fastify'
import type { FastifyInstance } from 'fastify'
import { withSecretRedaction } from './logging.ts'
import {
  DEFAULT_LOGIN_RATE_LIMIT,
  errorHandlingPlugin,
  installSessionAuth,
  loginRateLimitPlugin,
  wechatClientPlugin,
} from './plugins/index.ts'
import type { LoginRateLimitOptions } from './plugins/index.ts'
import { loginRoutes } from './routes/index.ts'
import type { SessionStore } from './store/index.ts'
import type { CreateServerOptions } from './types.ts'
import { createCode2SessionClient } from './wechat/index.ts'

export const DEFAULT_SESSION_TTL_MS = 7 * 24 * 60 * 60 * 1000

const STORE_METHODS = ['create', 'get', 'delete', 'deleteByOpenid', 'ping', 'close'] as const

function assertStore(store: unknown): asserts store is SessionStore {
  if (typeof store !== 'object' || store === null)
    throw new TypeError('createServer: store is required (see createSqliteStore / createRedisStore)')
  for (const method of STORE_METHODS) {
    if (typeof (store as Record<string, unknown>)[method] !== 'function') {
      throw new TypeError(`createServer: store.${method} must be a function`)
    }
  }
}

function rateLimitFrom(option: CreateServerOptions['rateLimit']): LoginRateLimitOptions | false {
  if (option === false) return false
  const limit = option ?? DEFAULT_LOGIN_RATE_LIMIT
  if (!(Number.isInteger(limit.max) && limit.max > 0)) throw new RangeError('createServer: rateLimit.max must be a positive integer')
  const window = limit.timeWindow
  if (!((typeof window === 'number' && window > 0) || (typeof window === 'string' && window.length > 0))) {
    throw new RangeError('createServer: rateLimit.timeWindow must be a positive number of ms or a duration string')
  }
  return { max: limit.max, timeWindow: window }
}

/** A configured Fastify instance, not yet listening. Closing it closes the store. */
export function createServer(options: CreateServerOptions): FastifyInstance {
  if (typeof options !== 'object' || options === null) throw new TypeError('createServer: options are required')
  const { wechat } = options
  if (typeof wechat !== 'object' || wechat === null) throw new TypeError('createServer: wechat { appId, secret } is required')
  assertStore(options.store)
  const sessionTtlMs = options.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS
  if (!(Number.isSafeInteger(sessionTtlMs) && sessionTtlMs > 0))
    throw new RangeError('createServer: sessionTtlMs must be a positive integer')
  const rateLimit = rateLimitFrom(options.rateLimit)

  // Validates appId, secret and apiBase (without echoing the secret).
  const code2Session = createCode2SessionClient({
    appId: wechat.appId,
    secret: wechat.secret,
    ...(wechat.apiBase === undefined ? {} : { apiBase: wechat.apiBase }),
    ...(options.code2SessionTimeoutMs === undefined ? {} : { timeoutMs: options.code2SessionTimeoutMs }),
    ...(options.code2SessionRetries === undefined ? {} : { retries: options.code2SessionRetries }),
  })

  const app = Fastify({
    logger: withSecretRedaction(options.logger),
    ...(options.trustProxy === undefined ? {} : { trustProxy: options.trustProxy }),
  })

  const { store } = options
  app.addHook('onClose', async () => {
    await store.close()
  })

  // A keep-alive connection whose request is in flight when close() begins would
  // hold the close open until Fastify's keepAliveTimeout (72 s): from then on,
  // every answer tells the client to hang up, so the socket ends with its request.
  let closing = false
  app.addHook('preClose', async () => {
    closing = true
  })
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close')
  })

  // Decorated at once so `app.authenticate` works on routes added right after this returns.
  installSessionAuth(app, { store, sessionTtlMs, singleSessionPerUser: options.singleSessionPerUser === true })
  app.register(errorHandlingPlugin)
  if (rateLimit !== false) app.register(loginRateLimitPlugin)
  app.register(wechatClientPlugin, { client: code2Session })
  app.register(loginRoutes, { rateLimit, appId: wechat.appId })

  return app
}
