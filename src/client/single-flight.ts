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

/** Whether the machine is between states that settle a login (neither at rest nor done). */
function isInFlight(snapshot: LoginSnapshot): boolean {
  return !(snapshot.matches('idle') || snapshot.matches('authenticated') || snapshot.matches('failed'))
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
 * `hasExpired` judges a session's expiry in the server's time.
 */
export function createSingleFlight(actor: LoginActor, hasExpired: (session: Session) => boolean) {
  const waiters: Record<WaiterKind, Waiter | null> = { login: null, refresh: null }
  /** Why the client can no longer log in; made only when someone asks (an Error's stack costs more than a launch). */
  let stopped: (() => LoginError) | null = null

  function take(kind: WaiterKind): Waiter | null {
    const waiter = waiters[kind]
    waiters[kind] = null
    return waiter
  }

  function rejectAll(error: LoginError): void {
    take('login')?.reject(error)
    take('refresh')?.reject(error)
  }

  function settle(snapshot: LoginSnapshot): void {
    if (!waiters.login && !waiters.refresh) return
    const { session, error } = snapshot.context
    if (snapshot.matches('authenticated') && session) {
      take('login')?.resolve(session)
      if (error) take('refresh')?.reject(error)
      else take('refresh')?.resolve(session)
    } else if (snapshot.matches('failed')) {
      // The machine records an error on every way into `failed`.
      rejectAll(error as LoginError)
    } else if (snapshot.matches('idle')) {
      rejectAll(new LoginError('aborted', 'logged out before the login finished'))
    }
  }

  const clientStopped = () => new LoginError('aborted', 'the login client was stopped')
  const subscription = actor.subscribe({
    next: settle,
    // Stryker disable next-line all: only a bug in the machine or in XState gets here, which no test can cause.
    error: (error) => abort(() => new LoginError('aborted', 'the login machine crashed', { cause: error })),
    complete: () => abort(clientStopped),
  })

  function abort(reason: () => LoginError): void {
    stopped ??= reason
    if (waiters.login || waiters.refresh) rejectAll(stopped())
  }

  function join(kind: WaiterKind): Promise<Session> {
    const waiter = (waiters[kind] ??= createWaiter())
    return waiter.promise
  }

  function ensureLogin(): Promise<Session> {
    if (stopped) return Promise.reject(stopped())
    const snapshot = actor.getSnapshot()
    const session = snapshot.context.session
    if (snapshot.matches('authenticated') && session) {
      if (!hasExpired(session)) return Promise.resolve(session)
      const pending = join('login')
      actor.send({ type: 'SESSION_EXPIRED' })
      return pending
    }
    if (isInFlight(snapshot)) return join('login')
    const pending = join('login')
    actor.send(snapshot.matches('failed') ? { type: 'RETRY' } : { type: 'START' })
    // Nothing above settles synchronously (every step is asynchronous), but never rely on it.
    settle(actor.getSnapshot())
    return pending
  }

  return {
    ensureLogin,

    /** Re-checks the session with WeChat and the server now (from `authenticated`); otherwise the same as `ensureLogin`. */
    refresh(): Promise<Session> {
      if (stopped) return Promise.reject(stopped())
      const snapshot = actor.getSnapshot()
      if (isInFlight(snapshot) && snapshot.context.refreshing) return join('refresh')
      if (!snapshot.matches('authenticated')) return ensureLogin()
      const pending = join('refresh')
      actor.send({ type: 'REFRESH' })
      return pending
    },

    /** Stops listening and rejects whoever still waits. */
    dispose(): void {
      subscription.unsubscribe()
      abort(clientStopped)
    },
  }
}

export type SingleFlight = ReturnType<typeof createSingleFlight>
