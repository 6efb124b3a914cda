import { randomBytes, randomInt } from 'node:crypto'

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
