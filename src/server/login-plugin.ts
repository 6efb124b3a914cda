/**
 * `loginPlugin`: the whole login server as one Fastify plugin, for an app the
 * user already has.
 *
 *   await app.register(loginPlugin, { wechat: { appId, secret }, store })
 *   app.get('/me', { preHandler: app.authenticate }, (request) => request.loginSession)
 *
 * It decorates the app (it is wrapped with `fastify-plugin`, so the decorators
 * reach the app that registered it) with `authenticate`, `loginSessions`,
 * `sessionStore` and `code2Session`, and each request with `loginSession`. Its
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
import { errorHandlingPlugin, installSessionAuth, wechatClientPlugin } from './plugins/index.ts'
import { createLoginRateLimiter, createMemoryRateLimitCounter, loginRateLimitPlugin } from './rate-limit/index.ts'
import { loginRoutes } from './routes/index.ts'
import { resolveLoginOptions } from './login-options.ts'
import type { LoginPluginOptions } from './types.ts'

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
      await routes.register(loginRoutes, { rateLimit: limiter, appId: resolved.appId })
    },
    resolved.prefix === undefined ? {} : { prefix: resolved.prefix },
  )
}

export const loginPlugin = fp(login, { name: 'miniprogram-login', fastify: '5.x' })
