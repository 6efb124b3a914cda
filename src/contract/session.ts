import { LoginError } from './login-error.ts'

/** The developer server's own session, as the client keeps it. Opaque to the client. */
export interface Session {
  token: string
  /** Milliseconds since the epoch, in the developer server's time. */
  expiresAt: number
  /**
   * Milliseconds of life the session had left when the server answered. The
   * reference server sends it on login and on `/auth/session`; with it the
   * client learns the server's time and judges expiry whatever the device's
   * clock says. The client keeps it only until it has read it.
   */
  expiresIn?: number
}

/**
 * Between 1973 and 5138 as milliseconds since the epoch. Anything outside is
 * plainly not a time in milliseconds: seconds (today about 1.8e9), micro- or
 * nanoseconds, or garbage.
 */
const MIN_EPOCH_MS = 1e11
const MAX_EPOCH_MS = 1e14

/** Whether a number reads as a time in milliseconds since the epoch. */
export function isEpochMs(value: number): boolean {
  return Number.isFinite(value) && value >= MIN_EPOCH_MS && value <= MAX_EPOCH_MS
}

/** Whether a value has the shape of a session (a non-empty token and a finite expiry). */
export function isSessionShape(value: unknown): value is Session {
  if (typeof value !== 'object' || value === null) return false
  const { token, expiresAt } = value as Record<string, unknown>
  return typeof token === 'string' && token.length > 0 && typeof expiresAt === 'number' && Number.isFinite(expiresAt)
}

/**
 * Keeps only the fields of a session (`token`, `expiresAt`, and `expiresIn`
 * when it is there), or throws `invalid_response` for anything that is not
 * one: no token, an `expiresAt` that is not milliseconds since the epoch, an
 * `expiresIn` that is not a number.
 */
export function toSession(value: unknown, what = 'the developer server'): Session {
  if (!isSessionShape(value)) {
    throw new LoginError('invalid_response', `${what} answered something that is not a session ({ token, expiresAt })`)
  }
  if (!isEpochMs(value.expiresAt)) {
    throw new LoginError('invalid_response', `${what} answered an expiresAt (${value.expiresAt}) that is not milliseconds since the epoch`)
  }
  const { expiresIn } = value as { expiresIn?: unknown }
  if (expiresIn === undefined) return { token: value.token, expiresAt: value.expiresAt }
  if (typeof expiresIn !== 'number' || !Number.isFinite(expiresIn)) {
    throw new LoginError('invalid_response', `${what} answered an expiresIn that is not a number of milliseconds`)
  }
  return { token: value.token, expiresAt: value.expiresAt, expiresIn }
}
