/** The SQLite store's `users` table: one row per openid (see sqlite-schema.ts). */
import type Database from 'better-sqlite3'
import type { PhoneNumber } from '../wechat/phone-number.ts'
import { assertOpenid, assertTimestamp, isUserId, parsePhone } from './record.ts'
import { SEALING_CONTEXTS, sealPhoneNumber, type SecretCodec } from './session-key-codec.ts'
import { assertBeforeDeadline, type SqliteRunner } from './sqlite-runner.ts'
import type { LoginStart, UserStore, WechatUser } from './types.ts'
import { isWechatId } from '../wechat/identity-shape.ts'

/**
 * The SET of an upsert into `users` that takes `excluded`'s session_key only
 * when it was handed out as late as the stored one or later (the right side
 * reads the old row); the login's write and the refresh's share it.
 */
export const SET_NEWER_SESSION_KEY = `session_key = CASE WHEN excluded.session_key_at >= COALESCE(users.session_key_at, 0) THEN excluded.session_key ELSE users.session_key END,
         session_key_at = MAX(COALESCE(users.session_key_at, 0), excluded.session_key_at)`

interface UserRow {
  openid: string
  user_id: string | null
  unionid: string | null
  session_key: string | null
  first_login_at: number | null
  last_login_at: number | null
  phone: string | null
  phone_bound_at: number | null
}

export function createSqliteUsers(db: Database.Database, codec: SecretCodec, runner: SqliteRunner): UserStore {
  const statements = {
    get: db.prepare<[string], UserRow>(
      'SELECT openid, user_id, unionid, session_key, first_login_at, last_login_at, phone, phone_bound_at FROM users WHERE openid = ?',
    ),
    reserveUserId: db.prepare<[string, string]>(
      `INSERT INTO users (openid, user_id) VALUES (?, ?)
       ON CONFLICT (openid) DO UPDATE SET user_id = COALESCE(users.user_id, excluded.user_id)`,
    ),
    setSessionKey: db.prepare<[string, string, number, string | null]>(
      `INSERT INTO users (openid, session_key, session_key_at, unionid) VALUES (?, ?, ?, ?)
       ON CONFLICT (openid) DO UPDATE SET
         ${SET_NEWER_SESSION_KEY},
         unionid = COALESCE(excluded.unionid, users.unionid)`,
    ),
    bindPhone: db.prepare<[string, string, number]>(
      `INSERT INTO users (openid, phone, phone_bound_at) VALUES (?, ?, ?)
       ON CONFLICT (openid) DO UPDATE SET phone = excluded.phone, phone_bound_at = excluded.phone_bound_at`,
    ),
  }

  const startTx = db.transaction((openid: string, candidate: string, deadline: number): UserRow | undefined => {
    assertBeforeDeadline(deadline)
    statements.reserveUserId.run(openid, candidate)
    return statements.get.get(openid)
  })
  const setKeyTx = db.transaction((openid: string, sealed: string, at: number, unionid: string | null, deadline: number) => {
    assertBeforeDeadline(deadline)
    statements.setSessionKey.run(openid, sealed, at, unionid)
  })
  const bindTx = db.transaction((openid: string, sealed: string, at: number, deadline: number) => {
    assertBeforeDeadline(deadline)
    statements.bindPhone.run(openid, sealed, at)
  })

  function toUser(row: UserRow): WechatUser {
    const phoneText = row.phone === null ? undefined : codec.open(row.phone, SEALING_CONTEXTS.userPhone(row.openid))
    const phone = parsePhone(phoneText)
    return {
      openid: row.openid,
      ...(row.unionid === null ? {} : { unionid: row.unionid }),
      ...(isUserId(row.user_id) ? { userId: row.user_id } : {}),
      ...(row.first_login_at === null ? {} : { firstLoginAt: row.first_login_at }),
      ...(row.last_login_at === null ? {} : { lastLoginAt: row.last_login_at }),
      ...(phone === undefined ? {} : { phone }),
      ...(phone === undefined || row.phone_bound_at === null ? {} : { phoneBoundAt: row.phone_bound_at }),
    }
  }

  return {
    async startLogin(openid: string, candidateUserId?: string): Promise<LoginStart> {
      assertOpenid(openid, 'users.startLogin')
      if (candidateUserId !== undefined && !isUserId(candidateUserId)) {
        throw new TypeError('users.startLogin: candidateUserId must be 1 to 128 printable ASCII characters')
      }
      const known = await runner.run('read a user', () => statements.get.get(openid))
      // A returning user (the common case) needs no write.
      const row =
        candidateUserId === undefined || isUserId(known?.user_id)
          ? known
          : await runner.run('reserve a user id', () => startTx.immediate(openid, candidateUserId, runner.deadline()))
      return { isNewUser: row?.first_login_at == null, userId: isUserId(row?.user_id) ? row.user_id : undefined }
    },

    async get(openid: string): Promise<WechatUser | undefined> {
      assertOpenid(openid, 'users.get')
      const row = await runner.run('read a user', () => statements.get.get(openid))
      if (row === undefined) return undefined
      const user = toUser(row)
      // A row that holds only a session_key (stored before any login) is no user yet, as with Redis.
      return Object.keys(user).length === 1 ? undefined : user
    },

    async sessionKeyOf(openid: string): Promise<string | undefined> {
      assertOpenid(openid, 'users.sessionKeyOf')
      const row = await runner.run('read a user', () => statements.get.get(openid))
      if (row?.session_key == null) return undefined
      return codec.open(row.session_key, SEALING_CONTEXTS.userSessionKey(openid))
    },

    async setSessionKey(openid: string, sessionKey: string, unionid?: string, obtainedAt = Date.now()): Promise<void> {
      assertOpenid(openid, 'users.setSessionKey')
      assertTimestamp(obtainedAt, 'users.setSessionKey')
      if (typeof sessionKey !== 'string' || sessionKey.length === 0)
        throw new TypeError('users.setSessionKey: sessionKey must be a non-empty string')
      if (unionid !== undefined && !isWechatId(unionid)) throw new TypeError('users.setSessionKey: unionid must be WeChat-shaped')
      const sealed = codec.seal(sessionKey, SEALING_CONTEXTS.userSessionKey(openid))
      const deadline = runner.deadline()
      await runner.run("store a user's session_key", () => setKeyTx.immediate(openid, sealed, obtainedAt, unionid ?? null, deadline))
    },

    async bindPhoneNumber(openid: string, phone: PhoneNumber, boundAt: number): Promise<void> {
      assertOpenid(openid, 'users.bindPhoneNumber')
      assertTimestamp(boundAt, 'users.bindPhoneNumber')
      const sealed = sealPhoneNumber(codec, openid, phone, 'users.bindPhoneNumber')
      const deadline = runner.deadline()
      await runner.run('bind a phone number', () => bindTx.immediate(openid, sealed, boundAt, deadline))
    },
  }
}
