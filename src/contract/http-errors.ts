/**
 * The error half of the HTTP contract: every failure leaves the developer
 * server as `{ error, message? }` with one of these codes, and the client turns
 * each into the `LoginError` code it means for the login flow. The server's
 * `HttpError` and the client's `errorFromResponse` both read this table, so the
 * two sides cannot drift apart.
 */
import type { LoginErrorCode } from './login-error.ts'

export const SERVER_ERROR_CODES = [
  'invalid_request',
  'invalid_code',
  'code_used',
  'high_risk_user',
  'rate_limited',
  'session_expired',
  'decrypt_failed',
  'session_key_stale',
  'invalid_phone_code',
  'user_mismatch',
  'upstream_unavailable',
  'server_misconfigured',
  'not_found',
  'internal_error',
] as const

export type ServerErrorCode = (typeof SERVER_ERROR_CODES)[number]

/** The body of every error answer. */
export interface ErrorBody {
  error: ServerErrorCode
  message?: string
}

/**
 * The client code for each server code the client acts on: the login flow's,
 * and those of the account calls (`bindPhoneNumber`, `refreshSessionKey`,
 * decryption). Codes missing here (`decrypt_failed`, `not_found`, …) fall
 * back on the HTTP status.
 */
export const CLIENT_CODE_OF_SERVER_ERROR: Readonly<Partial<Record<ServerErrorCode, LoginErrorCode>>> = {
  invalid_code: 'invalid_code',
  code_used: 'code_used',
  high_risk_user: 'high_risk_user',
  rate_limited: 'rate_limited',
  upstream_unavailable: 'server_error',
  invalid_request: 'invalid_request',
  session_expired: 'session_expired',
  session_key_stale: 'session_key_stale',
  invalid_phone_code: 'invalid_phone_code',
  user_mismatch: 'user_mismatch',
}

export function isServerErrorCode(value: unknown): value is ServerErrorCode {
  return typeof value === 'string' && (SERVER_ERROR_CODES as readonly string[]).includes(value)
}
