/** `GET /healthz`: 200 while the session store answers, 503 when it does not. */
import type { FastifyInstance } from 'fastify'
import { healthSchema } from '../schemas.ts'

export async function healthRoute(fastify: FastifyInstance): Promise<void> {
  fastify.get('/healthz', { schema: healthSchema }, async (request, reply) => {
    try {
      await fastify.sessionStore.ping()
    } catch (error) {
      request.log.error({ reason: error instanceof Error ? error.message : String(error) }, 'health check: session store failed')
      return reply.code(503).send({ status: 'unavailable', error: 'upstream_unavailable', message: 'the session store is unavailable' })
    }
    return { status: 'ok' }
  })
}
