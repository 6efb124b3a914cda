/** `POST /auth/decrypt`: decrypts `encryptedData` with the session's own session_key. */
import type { FastifyInstance } from 'fastify'
import { HttpError } from '../http-errors.ts'
import { BODY_LIMITS, decryptSchema } from '../schemas.ts'
import { decryptData, isDecryptDataError } from '../wechat/index.ts'
import { loginSessionOf } from './auth.ts'

export interface DecryptRouteOptions {
  appId: string
}

interface DecryptBody {
  encryptedData: string
  iv: string
}

export async function decryptRoute(fastify: FastifyInstance, options: DecryptRouteOptions): Promise<void> {
  fastify.post<{ Body: DecryptBody }>(
    '/auth/decrypt',
    { schema: decryptSchema, bodyLimit: BODY_LIMITS.decrypt, preHandler: fastify.authenticate },
    async (request) => {
      const { sessionKey } = loginSessionOf(request)
      try {
        return { data: decryptData(sessionKey, request.body.encryptedData, request.body.iv, options.appId) }
      } catch (error) {
        if (!isDecryptDataError(error)) throw error
        // One answer for every key/padding/JSON failure: the route is no padding oracle.
        const message =
          error.failure === 'watermark_mismatch'
            ? 'the data was not issued for this mini-program'
            : 'the data cannot be decrypted with this session; log in again and fetch fresh data'
        throw new HttpError(400, 'decrypt_failed', message)
      }
    },
  )
}
