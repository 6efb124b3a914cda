/**
 * `auth.refreshSessionKey()`: after the server answered `session_key_stale`
 * (WeChat replaced the user's session_key since the server got it), one
 * `wx.login` for a fresh code, and `POST /auth/session-key` with it: the
 * server stores the new session_key for the user, and the session (token,
 * expiry, userId) stays as it was. Concurrent calls share one refresh. The
 * `wx.login` goes through the client's gate, so it never overlaps the login
 * machine's own.
 */
import type { Actor, AnyStateMachine } from 'xstate'
import { LoginError, toLoginError } from '../contract/index.ts'
import type { Platform } from '../platform/types.ts'
import { assertSameEra, type LoginEra, type LoginHold } from './authenticated-request.ts'
import type { SessionServer } from './http-session-server/types.ts'
import { expireSession } from './session-expiry.ts'

export interface SessionKeyRefreshDeps {
  actor: Actor<AnyStateMachine>
  server: SessionServer
  /** The platform whose `login` is gated (`withOneWxLogin`). */
  platform: Platform
  /** The era the call runs in, and the session (logging in first if needed) unless a `logout()` holds logins off. */
  hold: LoginHold
  /** The machine's `wxLogin` timeout, read at each call. */
  wxLoginTimeoutMs: () => number
}

const WHAT = 'refreshSessionKey()'

export function createRefreshSessionKey(deps: SessionKeyRefreshDeps): () => Promise<void> {
  const { hold } = deps
  /** The refresh under way, and the era it runs in: a call of a later era does not join one a logout ended. */
  let running: { era: LoginEra; done: Promise<void> } | null = null

  async function wxLoginCode(): Promise<string> {
    let answer: { code?: unknown }
    try {
      answer = await deps.platform.login({ timeout: deps.wxLoginTimeoutMs() })
    } catch (error) {
      throw toLoginError(error, 'wx_login_failed')
    }
    if (typeof answer?.code !== 'string' || answer.code === '') throw new LoginError('wx_login_failed', 'wx.login answered without a code')
    return answer.code
  }

  async function refresh(era: LoginEra): Promise<void> {
    const send = deps.server.refreshSessionKey?.bind(deps.server)
    if (!send) throw new LoginError('invalid_request', 'refreshSessionKey(): the SessionServer has no refreshSessionKey()')
    const session = await hold.ensureLogin(WHAT)
    const code = await wxLoginCode()
    // A logout() or stop() during the wx.login ended the session this would send.
    assertSameEra(hold, era, WHAT)
    try {
      await send(session, code)
    } catch (error) {
      const failure = toLoginError(error)
      if (failure.code !== 'session_expired' && failure.code !== 'user_mismatch') throw failure
      // The session is gone, or belongs to another WeChat user than this device's: a fresh login stores the newest key itself.
      expireSession(deps.actor, session)
      await hold.ensureLogin(WHAT)
    }
  }

  return function refreshSessionKey(): Promise<void> {
    const era = hold.era
    if (running?.era !== era) {
      const current: { era: LoginEra; done: Promise<void> } = {
        era,
        done: refresh(era).finally(() => {
          if (running === current) running = null
        }),
      }
      running = current
    }
    return running.done
  }
}
