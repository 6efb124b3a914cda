import { randomBytes } from 'node:crypto'
import type { SessionRecord } from '../../../src/server/index.ts'
import { hashSessionToken } from '../../../src/server/tokens.ts'

/** A session as a store receives it: a fresh token's hash, a random openid and session_key, a minute to live. */
export function sessionRecord(overrides: Partial<SessionRecord> = {}): SessionRecord {
  const now = Date.now()
  return {
    tokenHash: hashSessionToken(randomBytes(32).toString('base64url')),
    openid: `o-test-${randomBytes(6).toString('hex')}`,
    sessionKey: randomBytes(16).toString('base64'),
    expiresAt: now + 60_000,
    createdAt: now,
    ...overrides,
  }
}
