/**
 * Session tokens and Bearer authentication. Decorates the instance with
 * `sessionStore`, `loginSessions` (issue / find / revoke) and `authenticate`
 * (a preHandler for any route that needs a session, yours included), and each
 * request with `loginSession`. `loginPlugin` calls it on the app that
 * registers it.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { HttpError, isHttpError } from '../http-errors.ts'
import { isSessionStoreError } from '../store/index.ts'
import type { SessionRecord, SessionStore } from '../store/index.ts'
import { generateSessionToken, hashSessionToken, parseBearerToken } from '../tokens.ts'
import type { AppUser } from '../users/index.ts'
import type { WechatIdentity } from '../wechat/index.ts'

/** What the client receives; the token exists nowhere else. */
export interface IssuedSession {
  token: string
  /** Milliseconds since the epoch. */
  expiresAt: number
}

export interface LoginSessions {
  /**
   * Creates a session for a WeChat identity (fixed expiry `now + sessionTtlMs`),
   * with the app user when given; the identity's session_key becomes the
   * user's newest, unless one handed out after `sessionKeyAt` (ms, when
   * code2Session answered; default now) is stored already.
   */
  issue(identity: WechatIdentity, appUser?: AppUser, sessionKeyAt?: number): Promise<IssuedSession>
  /** The live session behind a token, or `undefined`. */
  find(token: string): Promise<SessionRecord | undefined>
  /** Deletes the session behind a token; `true` when there was one. */
  revoke(token: string): Promise<boolean>
  /** Deletes every session of a user ("log out everywhere"). */
  revokeAll(openid: string): Promise<number>
}

declare module 'fastify' {
  interface FastifyInstance {
    sessionStore: SessionStore
    loginSessions: LoginSessions
    /**
     * preHandler: reads `Authorization: Bearer <token>` and sets
     * `request.loginSession`, or answers itself, in the contract's error shape
     * whatever the route's error handler: 400 `invalid_request` (no or
     * malformed header), 401 `session_expired` (unknown or expired token), 503
     * `upstream_unavailable` (the store failed).
     */
    authenticate(request: FastifyRequest, reply: FastifyReply): Promise<void>
  }
  interface FastifyRequest {
    /**
     * Set by `authenticate`; `null` on routes that do not use it. Holds
     * `openid`, `unionid`, `userId`, `claims`, `expiresAt` and the user's newest
     * `sessionKey` (which must never leave the server).
     */
    loginSession: SessionRecord | null
  }
}

export interface SessionAuthOptions {
  store: SessionStore
  sessionTtlMs: number
  /** Replace the user's other sessions on login. */
  singleSessionPerUser: boolean
}

export function bearerTokenOf(request: FastifyRequest): string {
  const token = parseBearerToken(request.headers.authorization)
  if (token === undefined) throw new HttpError(400, 'invalid_request', 'the Authorization header must be "Bearer <token>"')
  return token
}

export function installSessionAuth(fastify: FastifyInstance, options: SessionAuthOptions): void {
  const { store, sessionTtlMs, singleSessionPerUser } = options

  const loginSessions: LoginSessions = {
    async issue(identity, appUser, sessionKeyAt) {
      const token = generateSessionToken()
      const createdAt = Date.now()
      const expiresAt = createdAt + sessionTtlMs
      await store.create(
        {
          tokenHash: hashSessionToken(token),
          openid: identity.openid,
          ...(identity.unionid === undefined ? {} : { unionid: identity.unionid }),
          sessionKey: identity.sessionKey,
          ...(appUser === undefined ? {} : { userId: appUser.userId }),
          ...(appUser?.claims === undefined ? {} : { claims: appUser.claims }),
          expiresAt,
          createdAt,
          ...(sessionKeyAt === undefined ? {} : { sessionKeyAt }),
        },
        { replaceOpenidSessions: singleSessionPerUser },
      )
      return { token, expiresAt }
    },
    find: (token) => store.get(hashSessionToken(token)),
    revoke: (token) => store.delete(hashSessionToken(token)),
    revokeAll: (openid) => store.deleteByOpenid(openid),
  }

  fastify.decorate('sessionStore', store)
  fastify.decorate('loginSessions', loginSessions)
  fastify.decorateRequest('loginSession', null)
  fastify.decorate('authenticate', async function authenticate(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    let answer: HttpError
    try {
      const record = await loginSessions.find(bearerTokenOf(request))
      if (record !== undefined) {
        request.loginSession = record
        return
      }
      answer = new HttpError(401, 'session_expired', 'the session expired or does not exist; log in again')
    } catch (error) {
      if (isHttpError(error)) answer = error
      else if (isSessionStoreError(error)) {
        request.log.error({ reason: error.message }, 'session store failed')
        answer = new HttpError(503, 'upstream_unavailable', 'the session store is unavailable; try again')
      } else throw error
    }
    // Answered here rather than thrown: on the app's own routes, Fastify's default
    // error handler would answer its own shape, not the contract's.
    await reply.code(answer.statusCode).header('cache-control', 'no-store').send(answer.toBody())
  })
}
