import { createHash, randomBytes, randomInt } from 'node:crypto'

const CODE_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

/** An id shaped like a WeChat openid: 28 characters starting with `o`. */
export function newOpenId(): string {
  return `o${randomBytes(21).toString('base64url').slice(0, 27)}`
}

/** A one-time login code shaped like the ones `wx.login` hands out: 32 letters and digits. */
export function newLoginCode(): string {
  let code = ''
  for (let i = 0; i < 32; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)]
  return code
}

/** A session_key as WeChat issues it: 16 random bytes, base64. */
export function newSessionKey(): string {
  return randomBytes(16).toString('base64')
}

/** A request id like the `rid` WeChat appends to every `errmsg`. */
export function newRequestId(): string {
  const hex = randomBytes(12).toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 16)}-${hex.slice(16, 24)}`
}

/**
 * An access_token shaped like WeChat's: a short number, `_`, then 128
 * URL-safe characters. WeChat promises nothing about the content and asks for
 * 512 characters of storage, so callers must treat it as opaque.
 */
export function newAccessToken(): string {
  return `${ACCESS_TOKEN_PREFIX}_${randomBytes(96).toString('base64url')}`
}

const ACCESS_TOKEN_PREFIX = '86'

/** What the emulator's tokens look like; anything else is not an access_token at all (40014). */
export const ACCESS_TOKEN_SHAPE = /^\d{1,4}_[A-Za-z0-9_-]{16,512}$/

/** A phone-number code like the one the getPhoneNumber button hands out: 64 hex digits. */
export function newPhoneCode(): string {
  return randomBytes(32).toString('hex')
}

/**
 * The unionid of a user of an app bound to an Open Platform account: shaped
 * like an openid and derived from it, so the same openid gets the same
 * unionid on every emulator (two emulators stand for two apps of one account).
 */
export function derivedUnionId(openid: string): string {
  return `o${createHash('sha256').update(`unionid:${openid}`).digest('base64url').slice(0, 27)}`
}
