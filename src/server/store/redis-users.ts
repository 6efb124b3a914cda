/** The Redis store's users: one hash per openid, `<prefix>{u:<openid>}:user`, in the user's slot (redis-keys.ts). */
import type { PhoneNumber } from '../wechat/phone-number.ts'
import { START_LOGIN, SET_FIELDS, SET_SESSION_KEY } from './redis-account-scripts.ts'
import { integerField, WriteTooLate, type RedisStoreContext } from './redis-context.ts'
import { TOO_LATE, type Script } from './redis-scripts.ts'
import { assertOpenid, assertTimestamp, isUserId, parsePhone } from './record.ts'
import { SEALING_CONTEXTS, sealPhoneNumber } from './session-key-codec.ts'
import type { LoginStart, UserStore, WechatUser } from './types.ts'
import { isWechatId } from '../wechat/identity-shape.ts'

const USER_FIELDS = ['userId', 'unionid', 'firstLoginAt', 'lastLoginAt', 'phone', 'phoneBoundAt'] as const

export function createRedisUsers(context: RedisStoreContext): UserStore {
  const { client, keys, codec, run, evalScript } = context

  /** Runs a write script on the user's hash with its deadline first; TOO_LATE is a failed write. */
  async function writeUser(openid: string, what: string, writer: Script, args: Array<string | number>): Promise<void> {
    const deadline = Date.now() + context.timeoutMs
    await run(what, async () => {
      if ((await evalScript(writer, [keys.user(openid)], [deadline, ...args])) === TOO_LATE) throw new WriteTooLate()
    })
  }

  return {
    async startLogin(openid: string, candidateUserId?: string): Promise<LoginStart> {
      assertOpenid(openid, 'users.startLogin')
      if (candidateUserId !== undefined && !isUserId(candidateUserId)) {
        throw new TypeError('users.startLogin: candidateUserId must be 1 to 128 printable ASCII characters')
      }
      const deadline = Date.now() + context.timeoutMs
      const answer = await run('start a login', async () => {
        const result = await evalScript(START_LOGIN, [keys.user(openid)], [deadline, candidateUserId ?? ''])
        if (result === TOO_LATE) throw new WriteTooLate()
        return result
      })
      const [userId, firstLoginAt] = Array.isArray(answer) ? (answer as unknown[]) : []
      return { isNewUser: typeof firstLoginAt !== 'string', userId: isUserId(userId) ? userId : undefined }
    },

    async get(openid: string): Promise<WechatUser | undefined> {
      assertOpenid(openid, 'users.get')
      const values = await run('read a user', () => client.hmget(keys.user(openid), ...USER_FIELDS))
      if (values.every((value) => value === null)) return undefined
      const [userId, unionid, firstLoginAt, lastLoginAt, sealedPhone, phoneBoundAt] = values
      const phone = parsePhone(sealedPhone == null ? undefined : codec.open(sealedPhone, SEALING_CONTEXTS.userPhone(openid)))
      const first = integerField(firstLoginAt)
      const last = integerField(lastLoginAt)
      const boundAt = integerField(phoneBoundAt)
      return {
        openid,
        ...(isWechatId(unionid) ? { unionid } : {}),
        ...(isUserId(userId) ? { userId } : {}),
        ...(first === undefined ? {} : { firstLoginAt: first }),
        ...(last === undefined ? {} : { lastLoginAt: last }),
        ...(phone === undefined ? {} : { phone }),
        ...(phone === undefined || boundAt === undefined ? {} : { phoneBoundAt: boundAt }),
      }
    },

    async sessionKeyOf(openid: string): Promise<string | undefined> {
      assertOpenid(openid, 'users.sessionKeyOf')
      const sealed = await run('read a user', () => client.hget(keys.user(openid), 'sessionKey'))
      return sealed === null ? undefined : codec.open(sealed, SEALING_CONTEXTS.userSessionKey(openid))
    },

    async setSessionKey(openid: string, sessionKey: string, unionid?: string, obtainedAt = Date.now()): Promise<void> {
      assertOpenid(openid, 'users.setSessionKey')
      assertTimestamp(obtainedAt, 'users.setSessionKey')
      if (typeof sessionKey !== 'string' || sessionKey.length === 0)
        throw new TypeError('users.setSessionKey: sessionKey must be a non-empty string')
      if (unionid !== undefined && !isWechatId(unionid)) throw new TypeError('users.setSessionKey: unionid must be WeChat-shaped')
      const sealed = codec.seal(sessionKey, SEALING_CONTEXTS.userSessionKey(openid))
      await writeUser(openid, "store a user's session_key", SET_SESSION_KEY, [sealed, obtainedAt, unionid ?? ''])
    },

    async bindPhoneNumber(openid: string, phone: PhoneNumber, boundAt: number): Promise<void> {
      assertOpenid(openid, 'users.bindPhoneNumber')
      assertTimestamp(boundAt, 'users.bindPhoneNumber')
      const sealed = sealPhoneNumber(codec, openid, phone, 'users.bindPhoneNumber')
      await writeUser(openid, 'bind a phone number', SET_FIELDS, ['phone', sealed, 'phoneBoundAt', boundAt])
    },
  }
}
