/**
 * The one app route `npm start` adds beside the login contract, so the example
 * mini-program (and anyone trying the flow) has an authenticated API to call:
 * `GET /api/me` answers the caller's own openid, and 401 without a live session.
 */
import type { FastifyInstance } from 'fastify'

export const DEMO_ME_PATH = '/api/me'

export function registerDemoRoutes(app: FastifyInstance): void {
  app.get(
    DEMO_ME_PATH,
    {
      preHandler: app.authenticate,
      schema: {
        response: {
          200: { type: 'object', properties: { openid: { type: 'string' } }, required: ['openid'], additionalProperties: false },
        },
      },
    },
    async (request) => ({ openid: request.loginSession?.openid ?? '' }),
  )
}
