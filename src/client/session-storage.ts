import { LoginError } from '../contract/index.ts'
import type { StoredSession } from '../../machines/index.ts'
import type { PlatformStorage } from '../platform/types.ts'
import { isEpochMs, isSessionShape } from '../contract/index.ts'

export const DEFAULT_STORAGE_KEY = 'miniprogram-login:session'

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function'
}

function finiteNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined
}

/**
 * The stored session, or `null` when there is none or what is stored is not a
 * session (corrupt data, or an `expiresAt` that is not milliseconds, is
 * treated as no session, to be overwritten by the next login). A storage that throws is reported as `storage_error`. A
 * storage whose `get` answers a promise (an asynchronous or remote store) is
 * awaited; the machine's `readSession` timeout bounds it.
 */
export async function readStoredSession(storage: PlatformStorage, key: string): Promise<StoredSession | null> {
  return storedSessionOf(startStoredRead(storage, key))
}

/** What `storage.get` answered (a value, or a promise of one), or the `storage_error` it threw; taken at once. */
export type StoredRead = { raw: unknown } | { error: LoginError }

/** Starts the read now, synchronously: a logout takes what storage holds before it clears it. */
export function startStoredRead(storage: PlatformStorage, key: string): StoredRead {
  try {
    return { raw: storage.get(key) }
  } catch (cause) {
    return { error: new LoginError('storage_error', 'could not read the stored session', { cause }) }
  }
}

/** The session a started read holds (see `readStoredSession`). */
export async function storedSessionOf(read: StoredRead): Promise<StoredSession | null> {
  if ('error' in read) throw read.error
  let raw: unknown = read.raw
  try {
    if (isThenable(raw)) raw = await raw
  } catch (cause) {
    throw new LoginError('storage_error', 'could not read the stored session', { cause })
  }
  if (typeof raw === 'string' && raw.startsWith('{')) {
    try {
      raw = JSON.parse(raw)
    } catch {
      return null
    }
  }
  if (!isSessionShape(raw) || !isEpochMs(raw.expiresAt)) return null
  const fields = raw as { confirmedAt?: unknown; serverOffsetMs?: unknown }
  const confirmedAt = finiteNumber(fields.confirmedAt)
  const serverOffsetMs = finiteNumber(fields.serverOffsetMs)
  const session: StoredSession = { token: raw.token, expiresAt: raw.expiresAt }
  if (confirmedAt !== undefined) session.confirmedAt = confirmedAt
  if (serverOffsetMs !== undefined) session.serverOffsetMs = serverOffsetMs
  return session
}

/** Writes the whole session as one value, so storage never holds half of one. */
export function writeStoredSession(storage: PlatformStorage, key: string, session: StoredSession): void {
  const value: StoredSession = { token: session.token, expiresAt: session.expiresAt }
  if (session.confirmedAt !== undefined) value.confirmedAt = session.confirmedAt
  if (session.serverOffsetMs !== undefined) value.serverOffsetMs = session.serverOffsetMs
  try {
    storage.set(key, value)
  } catch (cause) {
    throw new LoginError('storage_error', 'could not store the session', { cause })
  }
}

export function removeStoredSession(storage: PlatformStorage, key: string): void {
  try {
    storage.remove(key)
  } catch (cause) {
    throw new LoginError('storage_error', 'could not remove the stored session', { cause })
  }
}
