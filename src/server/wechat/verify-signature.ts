/**
 * Checks the `signature` WeChat sends alongside `rawData` (for example from
 * `wx.getUserInfo`): `signature = sha1(rawData + session_key)` in hex.
 */
import { createHash, timingSafeEqual } from 'node:crypto'

export function signRawData(rawData: string, sessionKey: string): string {
  return createHash('sha1')
    .update(rawData + sessionKey, 'utf8')
    .digest('hex')
}

/**
 * `true` when `signature` is the SHA-1 hex of `rawData + sessionKey`. Compared
 * in constant time; a signature of another length (or not a string) is `false`.
 */
export function verifySignature(rawData: string, signature: string, sessionKey: string): boolean {
  if (typeof sessionKey !== 'string' || sessionKey.length === 0) {
    throw new TypeError('verifySignature: sessionKey must be a non-empty string')
  }
  if (typeof rawData !== 'string' || typeof signature !== 'string') return false
  const expected = Buffer.from(signRawData(rawData, sessionKey), 'utf8')
  const given = Buffer.from(signature.toLowerCase(), 'utf8')
  if (given.length !== expected.length) return false
  return timingSafeEqual(given, expected)
}
