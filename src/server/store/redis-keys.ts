/**
 * The Redis key layout. Every key of one user carries the user's hash tag,
 * `{u:<openid>}`, so Redis Cluster puts them in one slot and each script
 * touches one slot only:
 *
 *   <prefix>{u:<openid>}:s:<tokenHash>   the session (JSON, native TTL)
 *   <prefix>{u:<openid>}:idx             the user's sessions: a sorted set, token hash by expiry
 *   <prefix>{u:<openid>}:user            the user: newest session_key (sealed), app user id,
 *                                        login times, phone number (sealed); a hash, no TTL
 *
 * A request brings a token, not an openid, so one more key finds the slot:
 *
 *   <prefix>t:<tokenHash>                the session's openid (same TTL)
 *
 * Written before the session and deleted after it, this pointer is harmless
 * when it outlives its session: it then leads to nothing. Rate-limit counters:
 *
 *   <prefix>rl:<name>:<key>              one fixed window (INCR, native TTL)
 *
 * The access_token of an app, with its refresh lock, under the app's own tag:
 *
 *   <prefix>{at:<appid>}:token           fingerprint, sealed token, expiry, force-refresh counts (hash)
 *   <prefix>{at:<appid>}:lock            the refresh lock: its owner (SET NX PX)
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
  user(openid: string): string
  pointer(tokenHash: string): string
  counter(name: string, key: string): string
  accessToken(name: string): string
  accessTokenLock(name: string): string
}

export function redisKeys(prefix: string): RedisKeys {
  const sessionPrefix = (openid: string): string => `${prefix}{u:${openid}}:s:`
  return {
    session: (openid, tokenHash) => sessionPrefix(openid) + tokenHash,
    sessionPrefix,
    index: (openid) => `${prefix}{u:${openid}}:idx`,
    user: (openid) => `${prefix}{u:${openid}}:user`,
    pointer: (tokenHash) => `${prefix}t:${tokenHash}`,
    counter: (name, key) => `${prefix}rl:${name}:${key}`,
    accessToken: (name) => `${prefix}{at:${name}}:token`,
    accessTokenLock: (name) => `${prefix}{at:${name}}:lock`,
  }
}
