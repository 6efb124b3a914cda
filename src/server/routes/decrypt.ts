/**
 * `POST /auth/decrypt`: decrypts `encryptedData` with the user's newest
 * session_key. When that fails, WeChat is asked (checksession) whether the key
 * is still current: a stale key answers `409 session_key_stale` (the client
 * refreshes it with `refreshSessionKey()` and fetches the data again), a
 * current one `400 decrypt_failed` (the data is not for this key). Every kind
 * of decryption failure gets the same treatment, so the route is no padding
 * oracle. The question to WeChat counts against the user's login limit, so
 * a client that sends undecryptable data over and over does not spend the
 * app's checksession calls (a decryption that works asks WeChat nothing).
 */
import type { FastifyInstance } from 'fastify'
import { AUTH_ROUTES } from '../../contract/index.ts'
import { HttpError } from '../http-errors.ts'
import type { LoginRateLimiter } from '../rate-limit/index.ts'
import { BODY_LIMITS, decryptSchema } from '../schemas.ts'
import type { SessionKeyService } from '../session-keys/index.ts'
import { decryptData, isDecryptDataError } from '../wechat/index.ts'
import { loginSessionOf } from './auth.ts'

export interface DecryptRouteOptions {
  rateLimit: LoginRateLimiter | false
  appId: string
  sessionKeys: SessionKeyService
}

interface DecryptBody {
  encryptedData: string
  iv: string
}

export async function decryptRoute(fastify: FastifyInstance, options: DecryptRouteOptions): Promise<void> {
  fastify.post<{ Body: DecryptBody }>(
    AUTH_ROUTES.decrypt,
    { schema: decryptSchema, bodyLimit: BODY_LIMITS.decrypt, preHandler: fastify.authenticate },
    async (request) => {
      const { sessionKey, openid } = loginSessionOf(request)
      try {
        return { data: decryptData(sessionKey, request.body.encryptedData, request.body.iv, options.appId) }
      } catch (error) {
        if (!isDecryptDataError(error)) throw error
        if (error.failure === 'watermark_mismatch')
          throw new HttpError(400, 'decrypt_failed', 'the data was not issued for this mini-program')
      }
      if (options.rateLimit !== false) await options.rateLimit.countOpenid(openid)
      if (!(await options.sessionKeys.isCurrent(openid, sessionKey))) {
        throw new HttpError(
          409,
          'session_key_stale',
          "WeChat has replaced this user's session_key since the server got it; refresh it and fetch the data again",
        )
      }
      throw new HttpError(400, 'decrypt_failed', 'the data cannot be decrypted with this session; fetch fresh data')
    },
  )
}
