/** `POST /auth/login`, `POST /auth/session`, `POST /auth/logout`. */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { AUTH_ROUTES } from '../../contract/index.ts'
import { bearerTokenOf } from '../plugins/index.ts'
import type { LoginRateLimiter } from '../rate-limit/index.ts'
import { BODY_LIMITS, loginSchema, logoutSchema, sessionSchema } from '../schemas.ts'
import type { SessionRecord } from '../store/index.ts'
import type { AppUsers } from '../users/index.ts'

export interface AuthRoutesOptions {
  /** The limits on `/auth/login` (per address, per openid), or `false` for none. */
  rateLimit: LoginRateLimiter | false
  /** Who the app's user is at each login (`onLogin`, or the built-in users table). */
  appUsers: AppUsers
}

interface LoginBody {
  code: string
}

/** The contract's `expiresIn` beside `expiresAt`: the life left now, which tells the client the server's time. */
function withExpiresIn<T extends { expiresAt: number }>(session: T): T & { expiresIn: number } {
  return { ...session, expiresIn: Math.max(0, session.expiresAt - Date.now()) }
}

/** `POST /auth/session`'s answer: the session's `expiresAt` and the life it has left now. */
function sessionAnswer(expiresAt: number): { expiresAt: number; expiresIn: number } {
  return { expiresAt, expiresIn: Math.max(0, expiresAt - Date.now()) }
}

export function loginSessionOf(request: FastifyRequest): SessionRecord {
  if (request.loginSession === null) throw new Error('the route needs the authenticate preHandler')
  return request.loginSession
}

export async function authRoutes(fastify: FastifyInstance, options: AuthRoutesOptions): Promise<void> {
  fastify.post<{ Body: LoginBody }>(
    AUTH_ROUTES.login,
    {
      schema: loginSchema,
      bodyLimit: BODY_LIMITS.login,
      config: options.rateLimit === false ? {} : { rateLimit: options.rateLimit.routeConfig() },
    },
    async (request) => {
      const identity = await fastify.code2Session.exchange(request.body.code)
      // When WeChat handed out this session_key: a slow onLogin must not make it win over a refresh made meanwhile.
      const sessionKeyAt = Date.now()
      if (options.rateLimit !== false) await options.rateLimit.countOpenid(identity.openid)
      const appUser = await options.appUsers.forLogin(identity)
      const session = await fastify.loginSessions.issue(identity, appUser, sessionKeyAt)
      request.log.info('login succeeded')
      return withExpiresIn(session)
    },
  )

  // Not async: the answer is ready once `authenticate` has run, and the check is the request every
  // launch makes, so it is sent without the promise and the extra turn an async handler costs.
  fastify.post(AUTH_ROUTES.check, { schema: sessionSchema, bodyLimit: BODY_LIMITS.session, preHandler: fastify.authenticate }, (request) =>
    sessionAnswer(loginSessionOf(request).expiresAt),
  )

  fastify.post(AUTH_ROUTES.logout, { schema: logoutSchema, bodyLimit: BODY_LIMITS.session }, async (request, reply) => {
    const removed = await fastify.loginSessions.revoke(bearerTokenOf(request))
    request.log.info({ removed }, 'logout')
    return reply.code(204).send()
  })
}
