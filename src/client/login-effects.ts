/**
 * The login machine's effects for one client: storage, the platform, the
 * developer server, the server clock and the jitter source. Every failure
 * leaves here as a `LoginError`; every answer is checked before the machine
 * sees it.
 */
import type { LoginEffects, StopSignal, StoredSession } from '../../machines/index.ts'
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

/**
 * One client's effects. A class, so that the methods are shared by every
 * client instead of made again (as closures) for each one.
 */
class ClientLoginEffects implements ClientEffects {
  // The machine may leave wxLogin (a timeout, a logout) while wx.login is still
  // running in the WeChat client, and cannot cancel it. Each wx.login may rotate
  // the user's session_key, so a new one starts only once the last has settled:
  // at most one wx.login is ever in flight. A platform settles every call within
  // the timeout it was given; with a broken one that does not, later tries end in
  // `timeout` rather than start a second call.
  private wxLoginRunning: Promise<void> | null = null
  /** A server check started beside `wx.checkSession`, for the session with this token. */
  private prefetched: { token: string; answer: Promise<boolean> } | null = null
  private pendingLogout: Promise<void> = Promise.resolve()

  constructor(private readonly deps: LoginEffectsDeps) {}

  /** Storage failures arrive as `storage_error` from session-storage.ts (or from the machine, for a read that timed out). */
  private reportStorage(operation: 'read' | 'write' | 'remove', error: unknown): void {
    this.deps.events.emit({ type: 'storage_error', operation, error: toLoginError(error, 'storage_error') })
  }

  private async askServer(session: Session): Promise<boolean> {
    let answer: unknown
    try {
      answer = await this.deps.server.check(session)
    } catch (error) {
      throw toLoginError(error)
    }
    return toCheckAnswer(answer)
  }

  endAtServer(session: Session): Promise<void> {
    const { server, events, logoutTimeoutMs } = this.deps
    const logout = server.logout
    if (!logout) return Promise.resolve()
    const call = Promise.resolve().then(() => logout.call(server, session))
    return settleWithin(call, logoutTimeoutMs).then((outcome) => {
      if (outcome.status === 'rejected') events.emit({ type: 'logout_error', error: toLoginError(outcome.reason) })
      if (outcome.status === 'timeout') {
        events.emit({
          type: 'logout_error',
          error: new LoginError('timeout', `the server logout did not answer within ${logoutTimeoutMs} ms`),
        })
      }
    })
  }

  async readSession(): Promise<StoredSession | null> {
    let stored: StoredSession | null
    try {
      stored = await readStoredSession(this.deps.platform.storage, this.deps.storageKey)
    } catch (error) {
      this.reportStorage('read', error)
      throw error
    }
    if (stored?.serverOffsetMs !== undefined) this.deps.clock.adopt(stored.serverOffsetMs)
    return stored
  }

  async checkWxSession(): Promise<void> {
    try {
      await this.deps.platform.checkSession()
    } catch (error) {
      // The platform's contract: a rejection means WeChat's session expired.
      throw toLoginError(error, 'session_expired')
    }
  }

  prefetchServerCheck(session: Session): void {
    const answer = this.askServer(session)
    answer.catch(ignore)
    this.prefetched = { token: session.token, answer }
  }

  checkServerSession(session: Session): Promise<boolean> {
    const early = this.prefetched
    this.prefetched = null
    return early?.token === session.token ? early.answer : this.askServer(session)
  }

  async wxLogin({ timeout, signal }: { timeout: number; signal: StopSignal }): Promise<{ code: string }> {
    try {
      // A loop, not one wait: when several calls wait for the same earlier wx.login, the
      // first to wake starts the next one, and the others must wait for that one in turn.
      for (let earlier = this.wxLoginRunning; earlier; earlier = this.wxLoginRunning) {
        await settledOrAfter(earlier, timeout)
        // Settling clears `wxLoginRunning` before `settledOrAfter` resolves; still set means it did not settle.
        if (this.wxLoginRunning === earlier) throw new LoginError('timeout', 'an earlier wx.login has not answered yet')
      }
      // The machine moved on while this call waited its turn: no wx.login is needed (nobody sees this error).
      if (signal.aborted) throw new LoginError('aborted')
      const call = this.deps.platform.login({ timeout })
      const running: Promise<void> = call.then(ignore, ignore).then(() => {
        if (this.wxLoginRunning === running) this.wxLoginRunning = null
      })
      this.wxLoginRunning = running
      return toCode(await call)
    } catch (error) {
      throw toLoginError(error, 'wx_login_failed')
    }
  }

  async serverLogin({ code, signal }: { code: string; signal: StopSignal }): Promise<Session> {
    const { server, clock } = this.deps
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
      this.pendingLogout = Promise.all([this.pendingLogout, this.endAtServer(session)]).then(ignore)
      throw new LoginError('aborted')
    }
    const over = session.expiresIn === undefined ? clock.hasPassed(session.expiresAt) : session.expiresIn <= 0
    if (over) throw new LoginError('invalid_response', 'the developer server answered a session that has already expired')
    return { token: session.token, expiresAt: session.expiresAt }
  }

  persistSession(session: StoredSession): void {
    const { platform, storageKey, clock } = this.deps
    const offset = clock.offsetMs
    try {
      writeStoredSession(platform.storage, storageKey, offset === undefined ? session : { ...session, serverOffsetMs: offset })
    } catch (error) {
      // The user is logged in for this run of the app; only the next launch will have to log in again.
      this.reportStorage('write', error)
    }
  }

  clearSession(): void {
    this.prefetched = null
    try {
      removeStoredSession(this.deps.platform.storage, this.deps.storageKey)
    } catch (error) {
      this.reportStorage('remove', error)
    }
  }

  notifyServerLogout(session: Session | null): void {
    this.prefetched = null
    if (session) this.pendingLogout = Promise.all([this.pendingLogout, this.endAtServer(session)]).then(ignore)
  }

  reportReadTimeout(error: LoginError): void {
    this.reportStorage('read', error)
  }

  now(): number {
    return this.deps.clock.now()
  }

  random(): number {
    return this.deps.random()
  }

  /** What an inspector or `JSON.stringify` shows of the context's effects: a name, not the platform, server and state behind it. */
  toJSON(): { type: string } {
    return { type: 'LoginEffects' }
  }

  takePendingLogout(): Promise<void> {
    const pending = this.pendingLogout
    this.pendingLogout = Promise.resolve()
    return pending
  }
}

export function createLoginEffects(deps: LoginEffectsDeps): ClientEffects {
  return new ClientLoginEffects(deps)
}
