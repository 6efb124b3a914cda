import type { Actor } from 'xstate'
import { LoginError, toLoginError } from '../contract/index.ts'
import type { Platform, PlatformRequestOptions, PlatformResponse } from '../platform/types.ts'
import { resolveUrl, tokenHeaderFor } from './http-session-server/http-session-server.ts'
import type { Session } from './http-session-server/types.ts'
import type { ProvidedLoginMachine } from './provide-machine.ts'

export interface AuthenticatedRequestDeps {
  actor: Actor<ProvidedLoginMachine>
  platform: Platform
  ensureLogin: () => Promise<Session>
  /** Base for relative URLs; its origin may receive the token. */
  apiBaseUrl: string | undefined
  /** Other origins (`https://host[:port]`) that may receive the token. */
  trustedOrigins: readonly string[]
  tokenHeader: string
}

const ORIGIN = /^(https?):\/\/([^/?#]+)/i

/** `scheme://host[:port]` of an absolute http(s) URL, lower-cased, default port dropped; `undefined` otherwise. (No `URL`: mini-programs lack it.) */
export function originOf(url: string): string | undefined {
  const match = ORIGIN.exec(url.trim())
  if (!match) return undefined
  const scheme = (match[1] ?? '').toLowerCase()
  const authority = (match[2] ?? '').toLowerCase().replace(scheme === 'https' ? /:443$/ : /:80$/, '')
  return `${scheme}://${authority}`
}

/**
 * `request()` of the client: waits for a session, adds its token, and on a 401
 * re-logs in once for all concurrent 401s and replays each request once. A
 * second 401 rejects with `unauthorized`; any other status is the caller's.
 */
export function createAuthenticatedRequest(deps: AuthenticatedRequestDeps) {
  const { actor, platform } = deps
  const allowed = new Set([deps.apiBaseUrl, ...deps.trustedOrigins].flatMap((url) => (url === undefined ? [] : [originOf(url) ?? url])))

  /** The absolute URL to send to, or a typed refusal: the token goes only to the developer server and trusted origins. */
  function targetOf(options: PlatformRequestOptions): string {
    const absolute = /^[a-z][a-z\d+.-]*:|^\/\//i.test(options.url.trim())
    if (!absolute && deps.apiBaseUrl === undefined) {
      throw new LoginError('invalid_request', `request(): '${options.url}' is relative and the client has no apiBaseUrl`)
    }
    const url = absolute ? options.url : resolveUrl(deps.apiBaseUrl as string, options.url)
    const origin = originOf(url)
    if (origin === undefined || !allowed.has(origin)) {
      throw new LoginError(
        'invalid_request',
        `request(): refusing to send the session token to ${origin ?? 'a non-http(s) URL'}; add the origin to trustedOrigins if it is yours`,
      )
    }
    return url
  }

  async function send(options: PlatformRequestOptions, session: Session): Promise<PlatformResponse> {
    const url = targetOf(options)
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
    targetOf(options)
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
