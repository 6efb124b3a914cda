import type { Actor, AnyStateMachine } from 'xstate'
import type { Session } from './http-session-server/types.ts'

/**
 * Tells the machine the session expired (the server answered 401 for it),
 * unless a re-login already started or finished: only the first of several
 * concurrent 401s for one session starts a login.
 */
export function expireSession(actor: Actor<AnyStateMachine>, session: Session): void {
  const snapshot = actor.getSnapshot() as { matches(state: string): boolean; context: { session?: Session | null } }
  if (
    snapshot.matches('authenticated') &&
    // Stryker disable next-line OptionalChaining: equivalent; read only in `authenticated`, whose context always holds the session.
    snapshot.context.session?.token === session.token
  ) {
    actor.send({ type: 'SESSION_EXPIRED' })
  }
}
