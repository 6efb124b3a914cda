/**
 * Session tokens: 256 random bits handed to the client once, and a SHA-256
 * digest of each that is all the store ever keeps.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { sha256Hex } from './sha256-hex.ts'

export const SESSION_TOKEN_BYTES = 32

/** A base64url token of 32 random bytes is always 43 characters long. */
export const SESSION_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/

/** A fresh session token: 256 random bits, base64url without padding. */
export function generateSessionToken(): string {
  return randomBytes(SESSION_TOKEN_BYTES).toString('base64url')
}

/** The lowercase hex SHA-256 of a token, the only form a store keeps. */
export function hashSessionToken(token: string): string {
  return sha256Hex(token)
}

/**
 * Compares two strings without an early exit on the first differing byte.
 * Strings of different byte lengths are unequal (that length is not secret).
 */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8')
  const right = Buffer.from(b, 'utf8')
  if (left.length !== right.length) return false
  return timingSafeEqual(left, right)
}

/**
 * The token from an `Authorization: Bearer <token>` header, or `undefined`
 * when the header is missing, uses another scheme or holds no well-formed token.
 * The scheme name is case-insensitive (RFC 9110).
 */
export function parseBearerToken(header: string | undefined): string | undefined {
  if (typeof header !== 'string') return undefined
  const match = /^bearer +(\S+)$/i.exec(header)
  const token = match?.[1]
  return token !== undefined && SESSION_TOKEN_PATTERN.test(token) ? token : undefined
}
