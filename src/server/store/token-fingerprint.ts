/**
 * What a store compares a cached access_token by: its SHA-256, so that a
 * compare-and-set works on a sealed token (whose sealed text differs at every
 * seal) and nothing readable is kept in the clear.
 */
import { sha256Hex } from '../sha256-hex.ts'

export function tokenFingerprint(accessToken: string): string {
  return sha256Hex(accessToken)
}

/** Names a token cache entry (an AppID); one slot per name in Redis, so no braces. */
export function assertTokenName(name: unknown, caller: string): asserts name is string {
  if (typeof name !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(name)) {
    throw new TypeError(`${caller}: name must be 1 to 64 of A-Z a-z 0-9 _ - (an AppID)`)
  }
}

export function assertLockOwner(owner: unknown, ttlMs: unknown, caller: string): void {
  if (typeof owner !== 'string' || owner.length === 0 || owner.length > 128) throw new TypeError(`${caller}: owner must be a short string`)
  if (typeof ttlMs !== 'number' || !Number.isSafeInteger(ttlMs) || ttlMs <= 0)
    throw new RangeError(`${caller}: ttlMs must be a positive integer`)
}
