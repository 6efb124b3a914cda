/**
 * The login machine's effects for one client: storage, the platform, the
 * developer server, the server clock and the jitter source. Every failure
 * leaves here as a `LoginError`; every answer is checked before the machine
 * sees it.
 */
import type { LoginEffects, StoredSession } from '../../machines/index.ts'
import { LoginError, toLoginError, toSession } from '../contract/index.ts'
import type { Platform } from '../platform/types.ts'
import type { ClientEvents } from './client-events.ts'
import type { Session, SessionServer } from './http-session-server/types.ts'
import { type ServerClock, serverTimeOf } from './server-clock.ts'
import { readStoredSession, removeStoredSession, writeStoredSession } from './session-storage.ts'
import { settledOrAfter, settleWithin } from './settled-or-after.ts'

export interface LoginEffectsDeps {
  platform: Platform
  server: SessionServer
  storageKey: string
  events: ClientEvents
  clock: ServerClock
  /** Jitter source for the retry backoff, in [0, 1). */
  random: () => number
  /** How long a server logout may take before it is reported as a `timeout`. */
  logoutTimeoutMs: number
}

export interface ClientEffects extends LoginEffects {
  /** The server logouts started since the last call, settled (and reported) or timed out; resets. */
  takePendingLogout(): Promise<void>
  /** Ends a session at the developer server, reporting a failure or a timeout as `logout_error`. */
  endAtServer(session: Session): Promise<void>
}

function ignore(): void {}

/** `check()` must answer a boolean: `{ valid: false }` or `'false'` is not an answer we can read. */
function toCheckAnswer(answer: unknown): boolean {
  if (typeof answer === 'boolean') return answer
  throw new LoginError('invalid_response', `the session check answered ${typeof answer}, not true or false`)
}

/** `wx.login` must answer a non-empty code. */
function toCode(answer: unknown): { code: string } {
  const code = typeof answer === 'object' && answer !== null ? (answer as { code?: unknown }).code : undefined
  if (typeof code === 'string' && code !== '') return { code }
  throw new LoginError('invalid_response', 'wx.login answered without a code')
}

export function createLoginEffects(deps: LoginEffectsDeps): ClientEffects {
  const { platform, server, storageKey, events, clock } = deps
  // The machine may leave wxLogin (a timeout, a logout) while wx.login is still
  // running in the WeChat client, and cannot cancel it. Each wx.login may rotate
  // the user's session_key, so a new one starts only once the last has settled:
  // at most one wx.login is ever in flight. A platform settles every call within
  // the timeout it was given; with a broken one that does not, later tries end in
  // `timeout` rather than start a second call.
  let wxLoginRunning: Promise<void> | null = null
  /** A server check started beside `wx.checkSession`, for the session with this token. */
  let prefetched: { token: string; answer: Promise<boolean> } | null = null
  let pendingLogout: Promise<void> = Promise.resolve()

  /** Storage failures arrive as `storage_error` from session-storage.ts (or from the machine, for a read that timed out). */
  function reportStorage(operation: 'read' | 'write' | 'remove', error: unknown): void {
    events.emit({ type: 'storage_error', operation, error: toLoginError(error, 'storage_error') })
  }

  async function askServer(session: Session): Promise<boolean> {
    let answer: unknown
    try {
      answer = await server.check(session)
    } catch (error) {
      throw toLoginError(error)
    }
    return toCheckAnswer(answer)
  }

  function endAtServer(session: Session): Promise<void> {
    const logout = server.logout?.bind(server)
    if (!logout) return Promise.resolve()
    const call = Promise.resolve().then(() => logout(session))
    return settleWithin(call, deps.logoutTimeoutMs).then((outcome) => {
      if (outcome.status === 'rejected') events.emit({ type: 'logout_error', error: toLoginError(outcome.reason) })
      if (outcome.status === 'timeout') {
        events.emit({
          type: 'logout_error',
          error: new LoginError('timeout', `the server logout did not answer within ${deps.logoutTimeoutMs} ms`),
        })
      }
    })
  }

  return {
    async readSession() {
      let stored: StoredSession | null
      try {
        stored = await readStoredSession(platform.storage, storageKey)
      } catch (error) {
        reportStorage('read', error)
        throw error
      }
      if (stored?.serverOffsetMs !== undefined) clock.adopt(stored.serverOffsetMs)
      return stored
    },

    async checkWxSession() {
      try {
        await platform.checkSession()
      } catch (error) {
        // The platform's contract: a rejection means WeChat's session expired.
        throw toLoginError(error, 'session_expired')
      }
    },

    prefetchServerCheck(session) {
      const answer = askServer(session)
      answer.catch(ignore)
      prefetched = { token: session.token, answer }
    },

    checkServerSession(session) {
      const early = prefetched
      prefetched = null
      return early?.token === session.token ? early.answer : askServer(session)
    },

    async wxLogin({ timeout, signal }) {
      try {
        const earlier = wxLoginRunning
        if (earlier) {
          await settledOrAfter(earlier, timeout)
          // Settling clears `wxLoginRunning` before `settledOrAfter` resolves; still set means it did not settle.
          if (wxLoginRunning === earlier) throw new LoginError('timeout', 'an earlier wx.login has not answered yet')
        }
        // The machine moved on while this call waited its turn: no wx.login is needed (nobody sees this error).
        if (signal.aborted) throw new LoginError('aborted')
        const call = platform.login({ timeout })
        const running: Promise<void> = call.then(ignore, ignore).then(() => {
          if (wxLoginRunning === running) wxLoginRunning = null
        })
        wxLoginRunning = running
        return toCode(await call)
      } catch (error) {
        throw toLoginError(error, 'wx_login_failed')
      }
    },

    async serverLogin({ code, signal }) {
      let answer: unknown
      try {
        answer = await server.login(code)
      } catch (error) {
        throw toLoginError(error)
      }
      const session = toSession(answer)
      const serverNow = serverTimeOf(session)
      if (serverNow !== undefined) clock.observe(serverNow)
      if (signal.aborted) {
        // Nobody waits for this session any more (a logout, a timeout, a stop): it must not stay alive at the server.
        pendingLogout = Promise.all([pendingLogout, endAtServer(session)]).then(ignore)
        throw new LoginError('aborted')
      }
      const over = session.expiresIn === undefined ? clock.hasPassed(session.expiresAt) : session.expiresIn <= 0
      if (over) throw new LoginError('invalid_response', 'the developer server answered a session that has already expired')
      return { token: session.token, expiresAt: session.expiresAt }
    },

    persistSession(session) {
      const offset = clock.offsetMs
      try {
        writeStoredSession(platform.storage, storageKey, offset === undefined ? session : { ...session, serverOffsetMs: offset })
      } catch (error) {
        // The user is logged in for this run of the app; only the next launch will have to log in again.
        reportStorage('write', error)
      }
    },

    clearSession() {
      prefetched = null
      try {
        removeStoredSession(platform.storage, storageKey)
      } catch (error) {
        reportStorage('remove', error)
      }
    },

    notifyServerLogout(session) {
      prefetched = null
      if (session) pendingLogout = Promise.all([pendingLogout, endAtServer(session)]).then(ignore)
    },

    reportReadTimeout(error) {
      reportStorage('read', error)
    },

    now: () => clock.now(),
    random: () => deps.random(),

    takePendingLogout() {
      const pending = pendingLogout
      pendingLogout = Promise.resolve()
      return pending
    },

    endAtServer,
  }
}
