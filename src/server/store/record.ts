/** Checks shared by the store implementations. */
import { isWechatId } from '../wechat/identity-shape.ts'
import type { SessionRecord } from './types.ts'

const TOKEN_HASH_PATTERN = /^[0-9a-f]{64}$/

export function isTokenHash(value: unknown): value is string {
  return typeof value === 'string' && TOKEN_HASH_PATTERN.test(value)
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0
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
  if (!Number.isSafeInteger(record.expiresAt)) throw new TypeError('session record: expiresAt must be an integer (ms since epoch)')
  if (!Number.isSafeInteger(record.createdAt)) throw new TypeError('session record: createdAt must be an integer (ms since epoch)')
}

/** Builds a record from loosely typed stored fields; `undefined` when they do not make one. */
export function toSessionRecord(fields: {
  tokenHash: unknown
  openid: unknown
  unionid: unknown
  sessionKey: unknown
  expiresAt: unknown
  createdAt: unknown
}): SessionRecord | undefined {
  const { tokenHash, openid, unionid, sessionKey, expiresAt, createdAt } = fields
  if (!isTokenHash(tokenHash) || !isWechatId(openid) || !isNonEmptyString(sessionKey)) return undefined
  if (typeof expiresAt !== 'number' || typeof createdAt !== 'number') return undefined
  if (unionid !== undefined && unionid !== null && !isWechatId(unionid)) return undefined
  return {
    tokenHash,
    openid,
    ...(isWechatId(unionid) ? { unionid } : {}),
    sessionKey,
    expiresAt,
    createdAt,
  }
}
