/**
 * Registers `@fastify/rate-limit` without a global limit; routes opt in with
 * `config.rateLimit` (the login route does). Over the limit: 429
 * `{ error: 'rate_limited' }` with `Retry-After`.
 */
import type rateLimitPlugin from '@fastify/rate-limit'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { HttpError } from '../http-errors.ts'
import { FixedWindowStore } from './fixed-window-store.ts'
import { loadOptionalPeer } from '../optional-peer.ts'

export interface LoginRateLimitOptions {
  /** Requests allowed per client address per window. */
  max: number
  /** The window: milliseconds or a string such as `'1 minute'`. */
  timeWindow: number | string
}

export const DEFAULT_LOGIN_RATE_LIMIT: Readonly<LoginRateLimitOptions> = Object.freeze({ max: 60, timeWindow: '1 minute' })

async function loginRateLimit(fastify: FastifyInstance): Promise<void> {
  const rateLimit = loadOptionalPeer<typeof rateLimitPlugin>(
    '@fastify/rate-limit',
    'the login rate limit (turn it off with rateLimit: false)',
  )
  await fastify.register(rateLimit, {
    global: false,
    store: FixedWindowStore,
    errorResponseBuilder: (_request, context) =>
      new HttpError(context.statusCode, 'rate_limited', 'too many login attempts; try again later', {
        retryAfterSeconds: Math.max(1, Math.ceil(context.ttl / 1000)),
      }),
  })
}

export const loginRateLimitPlugin = fp(loginRateLimit, { name: 'mpl-login-rate-limit', fastify: '5.x' })
