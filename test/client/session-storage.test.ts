/**
 * The stored session's exact shape: what readStoredSession() hands the
 * machine has the fields that were stored and no others (no key present with
 * an undefined value, which a later spread or `in` check would take for a
 * field), and an empty store reads as no session rather than a storage error.
 */
import { describe, expect, it } from 'vitest'
import { readStoredSession, writeStoredSession } from '../../src/client/session-storage.ts'
import { createFakeServices } from '../support/services/index.ts'

const KEY = 'storage-test:session'
const EXPIRES_AT = 2e12

describe('the stored session', () => {
  it('reads as null, not as a storage error, when nothing is stored (undefined, or the empty string wx answers)', async () => {
    const services = createFakeServices()
    await expect(readStoredSession(services.platform.storage, KEY)).resolves.toBeNull()
    services.storage.set(KEY, '')
    await expect(readStoredSession(services.platform.storage, KEY)).resolves.toBeNull()
  })

  it('reads back only the fields that were stored: no confirmedAt or serverOffsetMs key without a value', async () => {
    const services = createFakeServices()
    writeStoredSession(services.platform.storage, KEY, { token: 't', expiresAt: EXPIRES_AT })
    const bare = await readStoredSession(services.platform.storage, KEY)
    expect(bare).toStrictEqual({ token: 't', expiresAt: EXPIRES_AT })
    expect(Object.keys(bare ?? {})).toEqual(['token', 'expiresAt'])
  })

  it('reads back a confirmed session with its offset as it was written, each field kept on its own', async () => {
    const services = createFakeServices()
    for (const session of [
      { token: 't', expiresAt: EXPIRES_AT, confirmedAt: EXPIRES_AT - 10 },
      { token: 't', expiresAt: EXPIRES_AT, serverOffsetMs: -250 },
      { token: 't', expiresAt: EXPIRES_AT, confirmedAt: EXPIRES_AT - 10, serverOffsetMs: 0 },
    ]) {
      writeStoredSession(services.platform.storage, KEY, session)
      await expect(readStoredSession(services.platform.storage, KEY)).resolves.toStrictEqual(session)
    }
  })
})
