/**
 * The relay's secret: 128 random bits, made when it starts, that every page
 * and socket URL must carry. It is what keeps a web page from another site
 * (or anyone else who can reach the port) out, even if the browser sends no
 * `Origin` or a rebinding DNS name slips past the `Host` check.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

/** 16 random bytes are 22 base64url characters. */
export const SECRET_BYTES = 16
const MIN_SECRET_LENGTH = 22
const SECRET_SHAPE = /^[A-Za-z0-9_-]+$/

export function generateSecret(): string {
  return randomBytes(SECRET_BYTES).toString('base64url')
}

/** A secret given by the user (`INSPECT_SECRET`): as long and as URL-safe as a generated one. */
export function checkSecret(secret: string): string {
  if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH || !SECRET_SHAPE.test(secret)) {
    throw new TypeError(`inspect relay: secret must be at least ${MIN_SECRET_LENGTH} characters of A-Z, a-z, 0-9, "-" and "_"`)
  }
  return secret
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest()
}

/**
 * Compares in constant time. Both sides are hashed first so that neither the
 * content nor the length of the secret shows in how long a wrong guess takes.
 */
export function secretsMatch(expected: string, candidate: string | undefined): boolean {
  if (candidate === undefined) return false
  return timingSafeEqual(digest(expected), digest(candidate))
}
