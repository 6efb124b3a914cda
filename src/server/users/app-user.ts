/**
 * Who the app's user is, at each login. With `onLogin`, the app decides
 * (`{ userId, claims? }`, told whether this is the openid's first login);
 * without it, the store's users table gives every openid a random id at its
 * first login and keeps it. Either way the id is kept with the session.
 */
import { randomUUID } from 'node:crypto'
import { CLAIMS_MAX_BYTES, isClaims, isUserId } from '../store/record.ts'
import type { UserStore } from '../store/index.ts'
import type { WechatIdentity } from '../wechat/index.ts'

/** What `onLogin` is told. */
export interface LoginHookInput {
  openid: string
  /** Present when the mini-program is bound to an Open Platform account. */
  unionid?: string
  /** No login of this openid has completed before. Racing first logins may both see `true`: make `onLogin` idempotent (an upsert by openid). */
  isNewUser: boolean
}

/** What `onLogin` answers. */
export interface LoginHookResult {
  /** The app's user id: 1 to 128 printable ASCII characters. */
  userId: string
  /** Kept with the session and read as `request.loginSession.claims`: a plain JSON object of at most 4 KB. */
  claims?: Record<string, unknown>
}

export type LoginHook = (input: LoginHookInput) => LoginHookResult | Promise<LoginHookResult>

/** `onLogin` answered something that is not `{ userId, claims? }`: the app's bug, answered 500, never a session. */
export class LoginHookResultError extends Error {
  override readonly name = 'LoginHookResultError'
}

export interface AppUser {
  userId: string
  claims?: Record<string, unknown>
}

export interface AppUsers {
  /** The app user for a login WeChat confirmed; nothing is written for the session yet. */
  forLogin(identity: WechatIdentity): Promise<AppUser>
}

function checkResult(result: unknown): AppUser {
  if (typeof result !== 'object' || result === null) throw new LoginHookResultError('onLogin must answer { userId, claims? }')
  const { userId, claims } = result as Record<string, unknown>
  if (!isUserId(userId)) throw new LoginHookResultError('onLogin answered a userId that is not 1 to 128 printable ASCII characters')
  if (claims !== undefined && !isClaims(claims)) {
    throw new LoginHookResultError(`onLogin answered claims that are not a plain JSON object of at most ${CLAIMS_MAX_BYTES} bytes`)
  }
  return claims === undefined ? { userId } : { userId, claims }
}

export function createAppUsers(users: UserStore, onLogin: LoginHook | undefined): AppUsers {
  return {
    async forLogin(identity) {
      if (onLogin === undefined) {
        const { userId } = await users.startLogin(identity.openid, randomUUID())
        // startLogin keeps an existing id or stores the candidate: there is always one.
        if (userId === undefined) throw new Error('the users table answered no user id after reserving one')
        return { userId }
      }
      const { isNewUser } = await users.startLogin(identity.openid)
      const result: unknown = await onLogin({
        openid: identity.openid,
        ...(identity.unionid === undefined ? {} : { unionid: identity.unionid }),
        isNewUser,
      })
      return checkResult(result)
    },
  }
}
