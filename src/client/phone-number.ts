/**
 * `auth.bindPhoneNumber(e.detail)`: the getPhoneNumber button's answer,
 * traded at the developer server (`POST /auth/phone`) for the user's number,
 * which the server keeps with the user.
 *
 * WeChat bills each successful button tap, and when the mini-program's quota
 * is used up the button itself fails with `errno` 1400001 and hands out no
 * code: that reaches the app here, never the server, as
 * `phone_quota_exhausted`. A user who declines (or declines the privacy
 * agreement the button requires) gives no code either: `phone_denied`.
 */
import type { Actor, AnyStateMachine } from 'xstate'
import { LoginError, toLoginError } from '../contract/index.ts'
import { assertSameEra, type LoginHold } from './authenticated-request.ts'
import type { PhoneNumber, PhoneNumberButtonDetail, SessionServer } from './http-session-server/types.ts'
import { expireSession } from './session-expiry.ts'

export type { PhoneNumber, PhoneNumberButtonDetail } from './http-session-server/types.ts'

/** The `errno` of a getPhoneNumber button whose quota is used up. */
export const PHONE_QUOTA_EXHAUSTED_ERRNO = 1400001

/** The code to send, from a code or from the button's `e.detail`; a typed `LoginError` when there is none. */
export function phoneCodeOf(input: string | PhoneNumberButtonDetail): string {
  if (typeof input === 'string') {
    if (input.length > 0) return input
    throw new LoginError('invalid_request', 'bindPhoneNumber(): the code is empty')
  }
  if (typeof input !== 'object' || input === null) {
    throw new LoginError('invalid_request', "bindPhoneNumber(): pass the button's e.detail or its code")
  }
  const { code, errno, errMsg } = input
  if (typeof code === 'string' && code.length > 0) return code
  if (errno === PHONE_QUOTA_EXHAUSTED_ERRNO) {
    throw new LoginError('phone_quota_exhausted', `getPhoneNumber failed with errno ${PHONE_QUOTA_EXHAUSTED_ERRNO}: the quota is used up`)
  }
  const text = typeof errMsg === 'string' ? errMsg : ''
  // iOS says "fail user deny", Android "fail:user deny"; a declined privacy agreement "privacy permission is not authorized".
  if (/deny|privacy permission is not authorized/i.test(text)) {
    throw new LoginError('phone_denied', `getPhoneNumber gave no code: ${text}`)
  }
  throw new LoginError('invalid_request', `getPhoneNumber gave no code${text === '' ? '' : `: ${text}`}`)
}

export interface PhoneNumberDeps {
  actor: Actor<AnyStateMachine>
  server: SessionServer
  /** The era the call runs in, and the session (logging in first if needed) unless a `logout()` holds logins off. */
  hold: LoginHold
}

const WHAT = 'bindPhoneNumber()'

export function createBindPhoneNumber(deps: PhoneNumberDeps): (input: string | PhoneNumberButtonDetail) => Promise<PhoneNumber> {
  return async function bindPhoneNumber(input) {
    const code = phoneCodeOf(input)
    const bind = deps.server.bindPhoneNumber?.bind(deps.server)
    if (!bind) throw new LoginError('invalid_request', 'bindPhoneNumber(): the SessionServer has no bindPhoneNumber()')
    const { hold } = deps
    // A logout() or stop() while the session is on its way (even in the same turn as this call) ends the call: the
    // token it ended must not go out. Sent, it is scheduled under the era, so one while it waits for a slot ends it too.
    const era = hold.era
    const session = await hold.ensureLogin(WHAT)
    assertSameEra(hold, era, WHAT)
    try {
      return await bind(session, code)
    } catch (error) {
      const failure = toLoginError(error)
      if (failure.code !== 'session_expired') throw failure
      // The server refused the session before it traded the code: log in again and send the same code once more.
      expireSession(deps.actor, session)
      const fresh = await hold.ensureLogin(WHAT)
      assertSameEra(hold, era, WHAT)
      try {
        return await bind(fresh, code)
      } catch (again) {
        throw toLoginError(again)
      }
    }
  }
}
