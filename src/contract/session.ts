import { LoginError } from './login-error.ts'

/** The developer server's own session, as the client keeps it. Opaque to the client. */
export interface Session {
  token: string
  /** Milliseconds since the epoch. */
  expiresAt: number
}

/** Whether a value has the shape of a session (a non-empty token and a finite expiry). */
export function isSessionShape(value: unknown): value is Session {
  if (typeof value !== 'object' || value === null) return false
  const { token, expiresAt } = value as Record<string, unknown>
  return typeof token === 'string' && token.length > 0 && typeof expiresAt === 'number' && Number.isFinite(expiresAt)
}

/** Keeps only the two fields of a session, or throws `invalid_response` for anything that is not one. */
export function toSession(value: unknown, what = 'the developer server'): Session {
  if (!isSessionShape(value)) {
    throw new LoginError('invalid_response', `${what} answered something that is not a session ({ token, expiresAt })`)
  }
  return { token: value.token, expiresAt: value.expiresAt }
}
