/**
 * The Redis key layout. Every key of one user carries the user's hash tag,
 * `{u:<openid>}`, so Redis Cluster puts them in one slot and each script
 * touches one slot only:
 *
 *   <prefix>{u:<openid>}:s:<tokenHash>   the session (JSON, native TTL)
 *   <prefix>{u:<openid>}:idx             the user's sessions: a sorted set, token hash by expiry
 *
 * A request brings a token, not an openid, so one more key finds the slot:
 *
 *   <prefix>t:<tokenHash>                the session's openid (same TTL)
 *
 * Written before the session and deleted after it, this pointer is harmless
 * when it outlives its session: it then leads to nothing. Rate-limit counters:
 *
 *   <prefix>rl:<name>:<key>              one fixed window (INCR, native TTL)
 */

/** Braces would start a hash tag of their own and move keys into other slots. */
const NO_BRACES = /^[^{}]*$/

export function assertNoBraces(value: string, what: string): void {
  if (!NO_BRACES.test(value)) throw new TypeError(`${what} must not contain { or } (Redis Cluster reads them as a hash tag)`)
}

export interface RedisKeys {
  session(openid: string, tokenHash: string): string
  /** What `session()` starts with, for scripts that build session keys from the index's members. */
  sessionPrefix(openid: string): string
  index(openid: string): string
  pointer(tokenHash: string): string
  counter(name: string, key: string): string
}

export function redisKeys(prefix: string): RedisKeys {
  const sessionPrefix = (openid: string): string => `${prefix}{u:${openid}}:s:`
  return {
    session: (openid, tokenHash) => sessionPrefix(openid) + tokenHash,
    sessionPrefix,
    index: (openid) => `${prefix}{u:${openid}}:idx`,
    pointer: (tokenHash) => `${prefix}t:${tokenHash}`,
    counter: (name, key) => `${prefix}rl:${name}:${key}`,
  }
}
