/** The login rate limit: per client address and per openid, counted in the store (shared) or in memory. */
export {
  createLoginRateLimiter,
  DEFAULT_LOGIN_RATE_LIMIT,
  DEFAULT_MAX_LOGINS_PER_OPENID,
  loginRateLimitPlugin,
  resolveLoginRateLimit,
} from './login-rate-limit.ts'
export type { LoginRateLimiter, LoginRateLimitOptions, LoginRateLimitPluginOptions, ResolvedLoginRateLimit } from './login-rate-limit.ts'
export { createMemoryRateLimitCounter } from './memory-counter.ts'
export { addressKey } from './client-address.ts'
export { timeWindowMs } from './time-window.ts'
