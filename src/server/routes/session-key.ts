/**
 * `POST /auth/session-key { code }`: a fresh `wx.login` code, exchanged with
 * code2Session for the session user, whose newest session_key it stores. The
 * session itself (token, expiry, userId) does not change: this is how a client
 * recovers from `409 session_key_stale` without logging the user out. A code
 * of another WeChat user is refused (`403 user_mismatch`) and stores nothing.
 */
import type { FastifyInstance } from 'fastify'
import { AUTH_ROUTES } from '../../contract/index.ts'
import { HttpError } from '../http-errors.ts'
import type { LoginRateLimiter } from '../rate-limit/index.ts'
import { BODY_LIMITS, sessionKeySchema } from '../schemas.ts'
import type { SessionKeyService } from '../session-keys/index.ts'
import { loginSessionOf } from './auth.ts'

export interface SessionKeyRouteOptions {
  /** The login's limits apply: this is a code2Session exchange too. */
  rateLimit: LoginRateLimiter | false
  sessionKeys: SessionKeyService
}

export async function sessionKeyRoute(fastify: FastifyInstance, options: SessionKeyRouteOptions): Promise<void> {
  fastify.post<{ Body: { code: string } }>(
    AUTH_ROUTES.sessionKey,
    {
      schema: sessionKeySchema,
      bodyLimit: BODY_LIMITS.sessionKey,
      preHandler: fastify.authenticate,
      config: options.rateLimit === false ? {} : { rateLimit: options.rateLimit.routeConfig() },
    },
    async (request, reply) => {
      const session = loginSessionOf(request)
      const identity = await fastify.code2Session.exchange(request.body.code)
      const obtainedAt = Date.now()
      if (identity.openid !== session.openid) {
        throw new HttpError(403, 'user_mismatch', 'the code belongs to another WeChat user than the session; log in again')
      }
      if (options.rateLimit !== false) await options.rateLimit.countOpenid(identity.openid)
      await fastify.sessionStore.users.setSessionKey(identity.openid, identity.sessionKey, identity.unionid, obtainedAt)
      options.sessionKeys.forget(identity.openid)
      request.log.info('session_key refreshed')
      return reply.code(204).send()
    },
  )
}
