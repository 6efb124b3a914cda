/** The part of a retry policy the backoff reads. */
export interface BackoffPolicy {
  /** The first backoff; each further retry doubles it. */
  baseDelayMs: number
  /** No backoff is longer than this. */
  maxDelayMs: number
}

export interface BackoffInput {
  /** The try about to be made, from 2 (the first retry). */
  attempt: number
  policy: BackoffPolicy
  /** What the other side asked for (HTTP `Retry-After`), if anything. */
  retryAfterMs?: number | undefined
  /** A number in [0, 1). */
  random: number
}

/**
 * Exponential backoff with "equal jitter": the ceiling doubles per retry up to
 * `maxDelayMs`, and the wait is a random point in its upper half, so clients
 * that failed together do not retry together, and no wait is ever zero (WeChat
 * asks apps not to call `wx.login` in a tight loop). A `Retry-After` from the
 * server is a floor.
 */
export function backoffDelay({ attempt, policy, retryAfterMs, random }: BackoffInput): number {
  const exponent = Math.max(0, attempt - 2)
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** exponent)
  const jittered = ceiling / 2 + (ceiling / 2) * Math.min(Math.max(random, 0), 1)
  return Math.round(Math.max(jittered, retryAfterMs ?? 0))
}
