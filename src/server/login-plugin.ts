/**
 * `loginPlugin`: the whole login server as one Fastify plugin, for an app the
 * user already has.
 *
 *   await app.register(loginPlugin, { wechat: { appId, secret }, store })
 *   app.get('/me', { preHandler: app.authenticate }, (request) => request.loginSession)
 *
 * It decorates the app (it is wrapped with `fastify-plugin`, so the decorators
 * reach the app that registered it) with `authenticate`, `loginSessions`,
 * `sessionStore`, `code2Session`, `wechatAccessToken`, `checkSessionKey` and
 * `resetSessionKey`, and each request with `loginSession`. Its
 * routes live in their own encapsulated context, under `prefix` when given,
 * with strict JSON, `no-store` answers, the contract's error shape and the
 * login rate limit; none of that leaks into the user's own routes.
 *
 * Await the registration before using `app.authenticate`: until the plugin has
 * loaded, `app.authenticate` does not exist, and a route given `preHandler:
 * undefined` would be open to anyone.
 */
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { errorHandlingPlugin, installSessionAuth, wechatClientPlugin, wechatServerApiPlugin } from './plugins/index.ts'
import { createLoginRateLimiter, createMemoryRateLimitCounter, loginRateLimitPlugin } from './rate-limit/index.ts'
import { loginRoutes } from './routes/index.ts'
import { resolveLoginOptions } from './login-options.ts'
import { createSessionKeyService } from './session-keys/index.ts'
import type { LoginPluginOptions } from './types.ts'
import { createAppUsers, createPhoneBinding } from './users/index.ts'
import { createWechatServerApi } from './wechat/index.ts'
import type { AccessTokenEvent } from './wechat/index.ts'

/** The access_token manager's events as log lines: what happened, never the token. */
function logAccessTokenEvent(fastify: FastifyInstance, event: AccessTokenEvent): void {
  if (event.type === 'refreshed') {
    fastify.log.info({ forced: event.forced, changed: event.changed, expiresInSeconds: event.expiresInSeconds }, 'access_token refreshed')
  } else if (event.type === 'force_refresh_withheld') {
    fastify.log.warn({ reason: event.reason }, 'access_token force refresh withheld')
  } else {
    const { error } = event
    const details =
      error instanceof Error
        ? { failure: (error as { failure?: unknown }).failure, errcode: (error as { errcode?: unknown }).errcode, reason: error.message }
        : { reason: String(error) }
    fastify.log.error({ ...details, background: event.background }, 'access_token refresh failed')
  }
}

async function login(fastify: FastifyInstance, options: LoginPluginOptions): Promise<void> {
  const resolved = resolveLoginOptions(options, 'loginPlugin')
  const { store } = resolved

  if (resolved.closeStore) {
    fastify.addHook('onClose', async () => {
      await store.close()
    })
  }

  installSessionAuth(fastify, { store, sessionTtlMs: resolved.sessionTtlMs, singleSessionPerUser: resolved.singleSessionPerUser })
  await fastify.register(wechatClientPlugin, { client: resolved.code2Session })

  const tokens = resolved.createAccessTokens((event) => logAccessTokenEvent(fastify, event))
  const wechatApi = createWechatServerApi({
    tokens,
    apiBase: resolved.apiBase,
    ...(resolved.wechatApiTimeoutMs === undefined ? {} : { timeoutMs: resolved.wechatApiTimeoutMs }),
  })
  const sessionKeys = createSessionKeyService(store.users, wechatApi)
  await fastify.register(wechatServerApiPlugin, { tokens, sessionKeys })
  const appUsers = createAppUsers(store.users, resolved.onLogin)
  const phoneBinding = createPhoneBinding(store.users, resolved.onPhoneNumber)

  // Counted where the sessions are when the store can share counters (Redis: every instance sees every attempt).
  const limiter =
    resolved.rateLimit === false
      ? false
      : createLoginRateLimiter(resolved.rateLimit, store.rateLimitCounter ?? createMemoryRateLimitCounter())

  // The routes' own context: what is registered in it stays in it.
  await fastify.register(
    async (routes) => {
      await routes.register(errorHandlingPlugin)
      if (limiter !== false) await routes.register(loginRateLimitPlugin, { limiter })
      await routes.register(loginRoutes, { rateLimit: limiter, appId: resolved.appId, appUsers, sessionKeys, wechatApi, phoneBinding })
    },
    resolved.prefix === undefined ? {} : { prefix: resolved.prefix },
  )
}

export const loginPlugin = fp(login, { name: 'miniprogram-login', fastify: '5.x' })
