/**
 * The login rate limit: per client address (IPv6 per /64) on every attempt at
 * `POST /auth/login`, counted by `@fastify/rate-limit` before the body is even
 * read, and per openid on every login WeChat confirmed. The counters are the
 * store's own when it has them (Redis: shared by every instance), else this
 * process's memory. Over a limit: 429 `{ error: 'rate_limited' }` with
 * `Retry-After`.
 */
import type rateLimitPlugin from '@fastify/rate-limit'
import type { FastifyRateLimitStore } from '@fastify/rate-limit'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { HttpError } from '../http-errors.ts'
import { loadOptionalPeer } from '../optional-peer.ts'
import type { RateLimitCounter } from '../store/index.ts'
import { addressKey } from './client-address.ts'
import { timeWindowMs } from './time-window.ts'

export interface LoginRateLimitOptions {
  /** Attempts allowed per client address (an IPv6 /64 counts as one) per window. */
  max: number
  /** The window: milliseconds or a string such as `'1 minute'`. */
  timeWindow: number | string
  /** Logins allowed per openid per window, from whatever addresses; phone bindings and the WeChat checks of failed decryptions count too. Default 20. */
  maxPerOpenid?: number
}

export const DEFAULT_MAX_LOGINS_PER_OPENID = 20

export const DEFAULT_LOGIN_RATE_LIMIT: Readonly<Required<LoginRateLimitOptions>> = Object.freeze({
  max: 60,
  timeWindow: '1 minute',
  maxPerOpenid: DEFAULT_MAX_LOGINS_PER_OPENID,
})

export interface ResolvedLoginRateLimit {
  max: number
  windowMs: number
  maxPerOpenid: number
}

/** Checks the option; `false` turns the limit off. */
export function resolveLoginRateLimit(option: LoginRateLimitOptions | false | undefined, caller: string): ResolvedLoginRateLimit | false {
  if (option === false) return false
  const limit = option ?? DEFAULT_LOGIN_RATE_LIMIT
  if (!(Number.isSafeInteger(limit.max) && limit.max > 0)) throw new RangeError(`${caller}: rateLimit.max must be a positive integer`)
  const windowMs = timeWindowMs(limit.timeWindow)
  if (windowMs === undefined) {
    throw new RangeError(`${caller}: rateLimit.timeWindow must be a positive number of ms or a duration such as '1 minute'`)
  }
  const maxPerOpenid = limit.maxPerOpenid ?? DEFAULT_MAX_LOGINS_PER_OPENID
  if (!(Number.isSafeInteger(maxPerOpenid) && maxPerOpenid > 0)) {
    throw new RangeError(`${caller}: rateLimit.maxPerOpenid must be a positive integer`)
  }
  return { max: limit.max, windowMs, maxPerOpenid }
}

export interface LoginRateLimiter {
  readonly limits: ResolvedLoginRateLimit
  readonly counter: RateLimitCounter
  /** The route's `config.rateLimit` for `@fastify/rate-limit`. */
  routeConfig(): { max: number; timeWindow: number; keyGenerator: (request: FastifyRequest) => string }
  /** Counts one login of `openid` (or one call that costs a WeChat API call for it); past `maxPerOpenid` in the window, throws a 429 `HttpError`. */
  countOpenid(openid: string): Promise<void>
}

const retryAfterSeconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000))

export function createLoginRateLimiter(limits: ResolvedLoginRateLimit, counter: RateLimitCounter): LoginRateLimiter {
  return {
    limits,
    counter,
    routeConfig: () => ({ max: limits.max, timeWindow: limits.windowMs, keyGenerator: (request) => addressKey(request.ip) }),
    async countOpenid(openid) {
      const hit = await counter.hit(`openid:${openid}`, limits.windowMs)
      if (hit.count > limits.maxPerOpenid) {
        throw new HttpError(429, 'rate_limited', 'too many logins or WeChat calls for this user; try again later', {
          retryAfterSeconds: retryAfterSeconds(hit.resetInMs),
        })
      }
    },
  }
}

/** `@fastify/rate-limit`'s store interface over a `RateLimitCounter`; keys are namespaced by the key generator. */
function counterStore(counter: RateLimitCounter): new () => FastifyRateLimitStore {
  return class CounterStore implements FastifyRateLimitStore {
    incr(key: string, callback: (error: Error | null, result?: { current: number; ttl: number }) => void, timeWindow: number): void {
      counter.hit(key, timeWindow).then(
        (hit) => callback(null, { current: hit.count, ttl: hit.resetInMs }),
        (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
      )
    }

    child(): FastifyRateLimitStore {
      return this
    }
  }
}

export interface LoginRateLimitPluginOptions {
  limiter: LoginRateLimiter
}

/** Registers `@fastify/rate-limit` without a global limit; the login route opts in with `limiter.routeConfig()`. */
async function loginRateLimit(fastify: FastifyInstance, options: LoginRateLimitPluginOptions): Promise<void> {
  const rateLimit = loadOptionalPeer<typeof rateLimitPlugin>(
    '@fastify/rate-limit',
    'the login rate limit (turn it off with rateLimit: false)',
  )
  await fastify.register(rateLimit, {
    global: false,
    store: counterStore(options.limiter.counter),
    // A counter that fails (Redis down) fails the request: the error handler answers 503.
    skipOnError: false,
    errorResponseBuilder: (_request, context) =>
      new HttpError(context.statusCode, 'rate_limited', 'too many login attempts; try again later', {
        retryAfterSeconds: retryAfterSeconds(context.ttl),
      }),
  })
}

export const loginRateLimitPlugin = fp(loginRateLimit, { name: 'mpl-login-rate-limit', fastify: '5.x' })
