/**
 * The in-memory counter behind the login rate limit: a fixed window per
 * client address. `@fastify/rate-limit`'s own in-memory store hands every
 * request the one counter object it keeps, and the plugin reads it only after
 * an `await`, so in a burst every request sees the final count and a burst
 * larger than `max` is refused whole, the first `max` requests included. This
 * store answers each request with what it counted for that request.
 */
import type { FastifyRateLimitStore } from '@fastify/rate-limit'

interface Window {
  count: number
  startedAt: number
}

/** Addresses remembered at most; the least recently seen are forgotten first. */
const DEFAULT_CAPACITY = 5_000

export class FixedWindowStore implements FastifyRateLimitStore {
  private readonly windows = new Map<string, Window>()

  private readonly capacity: number

  /** Built by `@fastify/rate-limit` with its options; `cache` is how many addresses to remember. */
  constructor(options: { cache?: number } = {}) {
    this.capacity = options.cache ?? DEFAULT_CAPACITY
  }

  incr(key: string, callback: (error: Error | null, result?: { current: number; ttl: number }) => void, timeWindow: number): void {
    const now = Date.now()
    const existing = this.windows.get(key)
    const window = existing && existing.startedAt + timeWindow > now ? existing : { count: 0, startedAt: now }
    window.count += 1
    // Re-inserting keeps the Map in least-recently-seen order.
    this.windows.delete(key)
    this.windows.set(key, window)
    if (this.windows.size > this.capacity) {
      const oldest = this.windows.keys().next().value
      if (oldest !== undefined) this.windows.delete(oldest)
    }
    callback(null, { current: window.count, ttl: window.startedAt + timeWindow - now })
  }

  /** Each route that opts in counts on its own. */
  child(): FastifyRateLimitStore {
    return new FixedWindowStore({ cache: this.capacity })
  }
}
