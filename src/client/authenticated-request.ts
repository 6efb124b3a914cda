import type { Actor } from 'xstate'
import { LoginError, toLoginError } from '../errors/index.ts'
import type { Platform, PlatformRequestOptions, PlatformResponse } from '../platform/types.ts'
import { resolveUrl, tokenHeaderFor } from '../session-server/http-session-server.ts'
import type { Session } from '../session-server/types.ts'
import type { ProvidedLoginMachine } from './provide-machine.ts'

export interface AuthenticatedRequestDeps {
  actor: Actor<ProvidedLoginMachine>
  platform: Platform
  ensureLogin: () => Promise<Session>
  /** Base for relative URLs; absolute URLs are used as they are. */
  apiBaseUrl: string | undefined
  tokenHeader: string
}

/**
 * `request()` of the client: waits for a session, adds its token, and on a 401
 * re-logs in once for all concurrent 401s and replays each request once. A
 * second 401 rejects with `unauthorized`; any other status is the caller's.
 */
export function createAuthenticatedRequest(deps: AuthenticatedRequestDeps) {
  const { actor, platform } = deps

  async function send(options: PlatformRequestOptions, session: Session): Promise<PlatformResponse> {
    const url = deps.apiBaseUrl === undefined ? options.url : resolveUrl(deps.apiBaseUrl, options.url)
    try {
      return await platform.request({
        ...options,
        url,
        header: { ...options.header, ...tokenHeaderFor(session.token, deps.tokenHeader) },
      })
    } catch (error) {
      throw toLoginError(error, 'network')
    }
  }

  /** Tells the machine the session expired, unless a re-login already started or finished. */
  function expire(session: Session): void {
    const snapshot = actor.getSnapshot()
    if (snapshot.matches('authenticated') && snapshot.context.session?.token === session.token) {
      actor.send({ type: 'SESSION_EXPIRED' })
    }
  }

  return async function request(options: PlatformRequestOptions): Promise<PlatformResponse> {
    const session = await deps.ensureLogin()
    const first = await send(options, session)
    if (first.statusCode !== 401) return first
    expire(session)
    const fresh = await deps.ensureLogin()
    const replay = await send(options, fresh)
    if (replay.statusCode === 401) {
      throw new LoginError('unauthorized', `${options.method ?? 'GET'} ${options.url} was refused (401) even after a fresh login`)
    }
    return replay
  }
}
