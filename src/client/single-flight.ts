import type { Actor, SnapshotFrom } from 'xstate'
import { LoginError } from '../contract/index.ts'
import type { Session } from './http-session-server/types.ts'
import type { ProvidedLoginMachine } from './provide-machine.ts'

type LoginActor = Actor<ProvidedLoginMachine>
type LoginSnapshot = SnapshotFrom<ProvidedLoginMachine>

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
 * cause one `wx.login` and one server login. The shared promise settles when
 * the machine reaches `authenticated` (resolve), `failed` (reject with its
 * error), `idle` (logged out meanwhile) or stops; the machine's own timeouts
 * guarantee it gets there.
 */
export function createSingleFlight(actor: LoginActor, now: () => number = () => Date.now()) {
  let waiter: Waiter | null = null
  let stoppedError: LoginError | null = null

  function settle(snapshot: LoginSnapshot): void {
    if (!waiter) return
    const current = waiter
    if (snapshot.matches('authenticated') && snapshot.context.session) {
      waiter = null
      current.resolve(snapshot.context.session)
    } else if (snapshot.matches('failed')) {
      waiter = null
      current.reject(snapshot.context.error ?? new LoginError('server_error', 'the login failed without a reason'))
    } else if (snapshot.matches('idle')) {
      waiter = null
      current.reject(new LoginError('aborted', 'logged out before the login finished'))
    }
  }

  const subscription = actor.subscribe({
    next: settle,
    error: (error) => abort(new LoginError('aborted', 'the login machine crashed', { cause: error })),
    complete: () => abort(new LoginError('aborted', 'the login client was stopped')),
  })

  function abort(error: LoginError): void {
    stoppedError = error
    const current = waiter
    waiter = null
    current?.reject(error)
  }

  function join(): Promise<Session> {
    waiter ??= createWaiter()
    return waiter.promise
  }

  function ensureLogin(): Promise<Session> {
    if (stoppedError) return Promise.reject(stoppedError)
    const snapshot = actor.getSnapshot()
    const session = snapshot.context.session
    if (snapshot.matches('authenticated') && session) {
      if (session.expiresAt > now()) return Promise.resolve(session)
      const pending = join()
      actor.send({ type: 'SESSION_EXPIRED' })
      return pending
    }
    if (isInFlight(snapshot)) return join()
    const pending = join()
    actor.send(snapshot.matches('failed') ? { type: 'RETRY' } : { type: 'START' })
    // Nothing above settles synchronously (every step is asynchronous), but never rely on it.
    settle(actor.getSnapshot())
    return pending
  }

  return {
    ensureLogin,

    /** Re-checks the session with WeChat and the server now (from `authenticated`); otherwise the same as `ensureLogin`. */
    refresh(): Promise<Session> {
      if (stoppedError) return Promise.reject(stoppedError)
      if (!actor.getSnapshot().matches('authenticated')) return ensureLogin()
      const pending = join()
      actor.send({ type: 'REFRESH' })
      return pending
    },

    /** Stops listening and rejects whoever still waits. */
    dispose(): void {
      subscription.unsubscribe()
      abort(new LoginError('aborted', 'the login client was stopped'))
    },
  }
}

export type SingleFlight = ReturnType<typeof createSingleFlight>
