import { createHmac, timingSafeEqual } from 'node:crypto'

/** The only `sig_method` WeChat supports for checkSessionKey and resetUserSessionKey. */
export const SIG_METHOD = 'hmac_sha256'

/**
 * The login-state signature WeChat asks for: HMAC-SHA256 keyed with the
 * session_key (its base64 text, as given by code2Session) over the empty
 * string, in lowercase hex.
 */
export function sessionSignature(sessionKey: string): string {
  return createHmac('sha256', sessionKey).update('').digest('hex')
}

/** Compares in constant time, so the check does not leak how much of a guess was right. */
export function signatureMatches(sessionKey: string, signature: string): boolean {
  const expected = Buffer.from(sessionSignature(sessionKey), 'utf8')
  const given = Buffer.from(signature.toLowerCase(), 'utf8')
  return expected.length === given.length && timingSafeEqual(expected, given)
}
