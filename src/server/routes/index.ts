/** All routes, in one encapsulated context with strict JSON bodies. */
import type { FastifyInstance } from 'fastify'
import { useStrictJson } from '../plugins/index.ts'
import { authRoutes } from './auth.ts'
import type { AuthRoutesOptions } from './auth.ts'
import { decryptRoute } from './decrypt.ts'
import type { DecryptRouteOptions } from './decrypt.ts'
import { healthRoute } from './health.ts'
import { phoneRoute } from './phone.ts'
import type { PhoneRouteOptions } from './phone.ts'
import { sessionKeyRoute } from './session-key.ts'

export { authRoutes, loginSessionOf } from './auth.ts'
export type { AuthRoutesOptions } from './auth.ts'
export { decryptRoute } from './decrypt.ts'
export type { DecryptRouteOptions } from './decrypt.ts'
export { healthRoute } from './health.ts'
export { phoneRoute } from './phone.ts'
export type { PhoneRouteOptions } from './phone.ts'
export { sessionKeyRoute } from './session-key.ts'
export type { SessionKeyRouteOptions } from './session-key.ts'

export type LoginRoutesOptions = AuthRoutesOptions & DecryptRouteOptions & PhoneRouteOptions

export async function loginRoutes(fastify: FastifyInstance, options: LoginRoutesOptions): Promise<void> {
  useStrictJson(fastify)
  // These answers carry tokens, session state, phone numbers or decrypted user data: no cache, shared or private, keeps them.
  // A callback hook, not an async one: it runs on every answer, and an async hook costs a promise each time.
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    reply.header('cache-control', 'no-store')
    reply.header('pragma', 'no-cache')
    done(null, payload)
  })
  await fastify.register(authRoutes, { rateLimit: options.rateLimit, appUsers: options.appUsers })
  await fastify.register(decryptRoute, { rateLimit: options.rateLimit, appId: options.appId, sessionKeys: options.sessionKeys })
  await fastify.register(phoneRoute, { rateLimit: options.rateLimit, wechatApi: options.wechatApi, phoneBinding: options.phoneBinding })
  await fastify.register(sessionKeyRoute, { rateLimit: options.rateLimit, sessionKeys: options.sessionKeys })
  await fastify.register(healthRoute)
}
