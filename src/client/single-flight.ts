import type { Actor, SnapshotFrom } from 'xstate'
import type { LoginMachine } from '../../machines/index.ts'
import { LoginError } from '../contract/index.ts'
import type { Session } from './http-session-server/types.ts'

type LoginActor = Actor<LoginMachine>
type LoginSnapshot = SnapshotFrom<LoginMachine>

/** Who waits: an `ensureLogin()` wants a session; a `refresh()` wants this re-check to have succeeded. */
type WaiterKind = 'login' | 'refresh'

interface Waiter {
  promise: Promise<Session>
  resolve: (session: Session) => void
  reject: (error: LoginError) => void
}

function createWaiter(): Waiter {
  let resolve!: (session: Session) => void
  let reject!: (error: LoginError) => void
  const promise = new Promise<Session>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

/** The top-level states where a flow has ended (they are atomic, so the snapshot's value is their name). */
type RestingState = 'idle' | 'authenticated' | 'failed'

/**
 * Which resting state the machine is in, or `null` while a flow runs. One
 * comparison of `value` instead of `matches()` per state: this runs on every
 * snapshot while someone waits, and `matches()` parses its argument each time.
 */
function restingStateOf(snapshot: LoginSnapshot): RestingState | null {
  const { value } = snapshot
  return value === 'idle' || value === 'authenticated' || value === 'failed' ? value : null
}

/** Whether the machine is between states that settle a login (neither at rest nor done). */
function isInFlight(snapshot: LoginSnapshot): boolean {
  return restingStateOf(snapshot) === null
}

/**
 * Single flight over the login machine: every caller that arrives while a
 * flow runs shares that flow's outcome, so any number of concurrent callers
 * cause one `wx.login` and one server login. The shared promises settle when
 * the machine reaches `authenticated` (resolve; a refresh that failed without
 * the session being gone rejects its `refresh()` callers and still resolves
 * the `ensureLogin()` ones), `failed` (reject with its error), `idle` (logged
 * out meanwhile) or stops; the machine's own timeouts guarantee it gets there.
 *
 * `clock` judges a session's expiry in the server's time.
 */
class SingleFlight {
  private readonly waiters: Record<WaiterKind, Waiter | null> = { login: null, refresh: null }
  /** Why the client can no longer log in; made only when someone asks (an Error's stack costs more than a launch). */
  private stopped: (() => LoginError) | null = null
  private readonly subscription: { unsubscribe(): void }

  // A class, so that every client shares these methods instead of holding closures of its own.
  constructor(
    private readonly actor: LoginActor,
    /** Judges a session's expiry in the server's time. */
    private readonly clock: { hasPassed(serverTimeMs: number): boolean },
  ) {
    this.subscription = actor.subscribe(SingleFlight.observerFor(this))
  }

  /** Methods, not arrow functions: nothing is made per client beyond what XState binds. */
  private static observerFor(flight: SingleFlight) {
    return {
      next(snapshot: LoginSnapshot): void {
        flight.settle(snapshot)
      },
      // Stryker disable next-line all: only a bug in the machine or in XState gets here, which no test can cause.
      error(error: unknown): void {
        flight.abort(() => new LoginError('aborted', 'the login machine crashed', { cause: error }))
      },
      complete(): void {
        flight.abort(clientStopped)
      },
    }
  }

  private take(kind: WaiterKind): Waiter | null {
    const waiter = this.waiters[kind]
    this.waiters[kind] = null
    return waiter
  }

  private rejectAll(error: LoginError): void {
    this.take('login')?.reject(error)
    this.take('refresh')?.reject(error)
  }

  private settle(snapshot: LoginSnapshot): void {
    if (!this.waiters.login && !this.waiters.refresh) return
    const { session, error } = snapshot.context
    const resting = restingStateOf(snapshot)
    if (resting === 'authenticated' && session) {
      if (error) this.take('refresh')?.reject(error)
      // A refresh that failed keeps the session, which may have run out while it tried: whoever
      // still waits for a session waits for a fresh login instead of being handed an expired one.
      if (!this.clock.hasPassed(session.expiresAt)) {
        this.take('login')?.resolve(session)
        this.take('refresh')?.resolve(session)
      } else if (this.waiters.login || this.waiters.refresh) this.actor.send({ type: 'SESSION_EXPIRED' })
    } else if (resting === 'failed') {
      // The machine records an error on every way into `failed`.
      this.rejectAll(error as LoginError)
    } else if (resting === 'idle') {
      this.rejectAll(new LoginError('aborted', 'logged out before the login finished'))
    }
  }

  private abort(reason: () => LoginError): void {
    this.stopped ??= reason
    if (this.waiters.login || this.waiters.refresh) this.rejectAll(this.stopped())
  }

  private join(kind: WaiterKind): Promise<Session> {
    const waiter = (this.waiters[kind] ??= createWaiter())
    return waiter.promise
  }

  ensureLogin(): Promise<Session> {
    if (this.stopped) return Promise.reject(this.stopped())
    const { actor } = this
    const snapshot = actor.getSnapshot()
    const session = snapshot.context.session
    const resting = restingStateOf(snapshot)
    if (resting === 'authenticated' && session) {
      if (!this.clock.hasPassed(session.expiresAt)) return Promise.resolve(session)
      const pending = this.join('login')
      actor.send({ type: 'SESSION_EXPIRED' })
      return pending
    }
    if (resting === null) return this.join('login')
    const pending = this.join('login')
    actor.send(resting === 'failed' ? { type: 'RETRY' } : { type: 'START' })
    // Nothing above settles synchronously (every step is asynchronous), but never rely on it.
    this.settle(actor.getSnapshot())
    return pending
  }

  /** Re-checks the session with WeChat and the server now (from `authenticated`); otherwise the same as `ensureLogin`. */
  refresh(): Promise<Session> {
    if (this.stopped) return Promise.reject(this.stopped())
    const snapshot = this.actor.getSnapshot()
    if (isInFlight(snapshot) && snapshot.context.refreshing) return this.join('refresh')
    if (restingStateOf(snapshot) !== 'authenticated') return this.ensureLogin()
    const pending = this.join('refresh')
    this.actor.send({ type: 'REFRESH' })
    return pending
  }

  /** Stops listening and rejects whoever still waits. */
  dispose(): void {
    this.subscription.unsubscribe()
    this.abort(clientStopped)
  }
}

const clientStopped = () => new LoginError('aborted', 'the login client was stopped')

export function createSingleFlight(actor: LoginActor, clock: { hasPassed(serverTimeMs: number): boolean }): SingleFlight {
  return new SingleFlight(actor, clock)
}

export type { SingleFlight }
