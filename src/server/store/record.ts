/** Checks shared by the store implementations. */
import { isWechatId } from '../wechat/identity-shape.ts'
import { isPhoneNumber, type PhoneNumber } from '../wechat/phone-number.ts'
import type { SessionRecord } from './types.ts'

const TOKEN_HASH_PATTERN = /^[0-9a-f]{64}$/
/** An app's user id: any printable text up to 128 characters (a UUID, a database key, "u:123"...). */
const USER_ID_PATTERN = /^[\x21-\x7E]{1,128}$/
/** `onLogin`'s claims are kept with every session of the user: a few fields, not a profile. */
export const CLAIMS_MAX_BYTES = 4096

export function isTokenHash(value: unknown): value is string {
  return typeof value === 'string' && TOKEN_HASH_PATTERN.test(value)
}

export function isUserId(value: unknown): value is string {
  return typeof value === 'string' && USER_ID_PATTERN.test(value)
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0
}

/**
 * A plain JSON object (what `JSON.parse` gives back the same) of at most
 * `CLAIMS_MAX_BYTES`. Its JSON must be an object too: a `toJSON` that answers
 * a string or a number would be stored as one, which SQLite then read as no
 * claims and Redis as a corrupt session.
 */
export function isClaims(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const prototype: unknown = Object.getPrototypeOf(value)
  if (prototype !== Object.prototype && prototype !== null) return false
  let text: string | undefined
  try {
    text = JSON.stringify(value) as string | undefined
  } catch {
    return false
  }
  return typeof text === 'string' && text.startsWith('{') && Buffer.byteLength(text, 'utf8') <= CLAIMS_MAX_BYTES
}

/** Throws a `TypeError` naming the first field that is not what a `SessionRecord` needs. */
export function assertSessionRecord(record: SessionRecord): void {
  if (typeof record !== 'object' || record === null) throw new TypeError('a session record must be an object')
  if (!isTokenHash(record.tokenHash)) throw new TypeError('session record: tokenHash must be 64 lowercase hex characters')
  if (!isWechatId(record.openid)) throw new TypeError('session record: openid must be 1 to 64 of A-Z a-z 0-9 _ - (as WeChat issues them)')
  if (record.unionid !== undefined && !isWechatId(record.unionid)) {
    throw new TypeError('session record: unionid, when present, must be 1 to 64 of A-Z a-z 0-9 _ -')
  }
  if (!isNonEmptyString(record.sessionKey)) throw new TypeError('session record: sessionKey must be a non-empty string')
  if (record.userId !== undefined && !isUserId(record.userId)) {
    throw new TypeError('session record: userId, when present, must be 1 to 128 printable ASCII characters')
  }
  if (record.claims !== undefined && !isClaims(record.claims)) {
    throw new TypeError(`session record: claims, when present, must be a plain JSON object of at most ${CLAIMS_MAX_BYTES} bytes`)
  }
  if (!Number.isSafeInteger(record.expiresAt)) throw new TypeError('session record: expiresAt must be an integer (ms since epoch)')
  if (!Number.isSafeInteger(record.createdAt)) throw new TypeError('session record: createdAt must be an integer (ms since epoch)')
  if (record.sessionKeyAt !== undefined && !(Number.isSafeInteger(record.sessionKeyAt) && record.sessionKeyAt >= 0)) {
    throw new TypeError('session record: sessionKeyAt, when present, must be an integer (ms since epoch)')
  }
}

/** Throws a `TypeError` unless `at` is a time both stores keep exactly: an integer of ms since the epoch. */
export function assertTimestamp(at: unknown, caller: string): asserts at is number {
  // Not before the epoch either: the stores compare these with "none stored yet" read as 0.
  if (typeof at !== 'number' || !Number.isSafeInteger(at) || at < 0)
    throw new TypeError(`${caller}: the time must be an integer (ms since epoch)`)
}

/** Throws a `TypeError` unless `openid` is WeChat-shaped (and so safe as a key and a Redis hash tag). */
export function assertOpenid(openid: unknown, caller: string): asserts openid is string {
  if (!isWechatId(openid)) throw new TypeError(`${caller}: openid must be 1 to 64 of A-Z a-z 0-9 _ - (as WeChat issues them)`)
}

export function assertPhoneNumber(phone: unknown, caller: string): asserts phone is PhoneNumber {
  if (!isPhoneNumber(phone)) throw new TypeError(`${caller}: phone must be { phoneNumber, purePhoneNumber, countryCode } of digits`)
}

/** The stored claims text as an object; `undefined` for none or anything that is not claims. */
export function parseClaims(text: unknown): Record<string, unknown> | undefined {
  if (typeof text !== 'string' || text.length === 0) return undefined
  try {
    const parsed: unknown = JSON.parse(text)
    return isClaims(parsed) ? parsed : undefined
  } catch {
    return undefined
  }
}

/** The stored phone JSON as a `PhoneNumber`, or `undefined`. */
export function parsePhone(text: string | undefined): PhoneNumber | undefined {
  if (text === undefined) return undefined
  try {
    const parsed: unknown = JSON.parse(text)
    return isPhoneNumber(parsed)
      ? { phoneNumber: parsed.phoneNumber, purePhoneNumber: parsed.purePhoneNumber, countryCode: parsed.countryCode }
      : undefined
  } catch {
    return undefined
  }
}

/** Builds a record from loosely typed stored fields; `undefined` when they do not make one. */
export function toSessionRecord(fields: {
  tokenHash: unknown
  openid: unknown
  unionid: unknown
  sessionKey: unknown
  userId?: unknown
  claims?: unknown
  expiresAt: unknown
  createdAt: unknown
}): SessionRecord | undefined {
  const { tokenHash, openid, unionid, sessionKey, userId, claims, expiresAt, createdAt } = fields
  if (!isTokenHash(tokenHash) || !isWechatId(openid) || !isNonEmptyString(sessionKey)) return undefined
  if (typeof expiresAt !== 'number' || typeof createdAt !== 'number') return undefined
  if (unionid !== undefined && unionid !== null && !isWechatId(unionid)) return undefined
  if (userId !== undefined && userId !== null && !isUserId(userId)) return undefined
  if (claims !== undefined && claims !== null && !isClaims(claims)) return undefined
  return {
    tokenHash,
    openid,
    ...(isWechatId(unionid) ? { unionid } : {}),
    sessionKey,
    ...(isUserId(userId) ? { userId } : {}),
    ...(isClaims(claims) ? { claims } : {}),
    expiresAt,
    createdAt,
  }
}
