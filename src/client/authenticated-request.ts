import type { Actor } from 'xstate'
import type { LoginMachine } from '../../machines/index.ts'
import { LoginError, toLoginError } from '../contract/index.ts'
import type { RequestScheduler } from '../platform/request-scheduler.ts'
import type { Platform, PlatformRequestOptions, PlatformResponse } from '../platform/types.ts'
import { resolveUrl, tokenHeaderFor } from './http-session-server/http-session-server.ts'
import type { Session } from './http-session-server/types.ts'
import { expireSession } from './session-expiry.ts'

/**
 * Which stretch of logged-in life a request belongs to: `logout()` starts a
 * new one. Queued requests of the old one are cancelled through `owner`.
 */
export interface LoginEra {
  readonly owner: object
}

/** What `request()` asks of the client: the era it runs in, and a session unless a logout holds logins off. */
export interface LoginHold {
  readonly era: LoginEra
  /** The session; rejects with `aborted`, naming `what`, while a `logout()` holds logins off. */
  ensureLogin(what: string): Promise<Session>
}

/**
 * Throws `aborted` when a `logout()` or `stop()` began a new era since `era`:
 * a call of the old one must not send the token it held (the session may be
 * ended), nor go on in a client that stopped.
 */
export function assertSameEra(hold: LoginHold, era: LoginEra, what: string): void {
  if (hold.era !== era) throw new LoginError('aborted', `${what}: logged out or stopped before it was sent`)
}

export interface AuthenticatedRequestDeps {
  actor: Actor<LoginMachine>
  platform: Platform
  scheduler: RequestScheduler
  /** The current era (a new object after every `logout()`), and the session, unless a `logout()` holds logins off. */
  hold: LoginHold
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

// The helpers are module functions taking the client's deps, not closures made again for every client.

/**
 * A URL as an error message shows it: without the query or fragment, which an
 * app may fill with what no message should carry (a phone number, a token of
 * its own).
 */
function urlForMessage(url: string): string {
  const cut = url.search(/[?#]/)
  return cut < 0 ? url : `${url.slice(0, cut)}?…`
}

/** How an error message names a request: its method and its URL. */
function describeRequest(options: PlatformRequestOptions): string {
  return `${options.method ?? 'GET'} ${urlForMessage(options.url)}`
}

/** The absolute URL to send to, or a typed refusal: the token goes only to the developer server and trusted origins. */
function targetOf(deps: AuthenticatedRequestDeps, allowed: ReadonlySet<string>, options: PlatformRequestOptions): string {
  // Plain-JS apps have no type check: a call without options or a string url is refused here, typed.
  if (typeof (options || {}).url !== 'string') throw new LoginError('invalid_request', 'request(): options.url must be a string')
  const absolute = /^[a-z][a-z\d+.-]*:|^\/\//i.test(options.url.trim())
  if (!absolute && deps.apiBaseUrl === undefined) {
    throw new LoginError('invalid_request', `request(): '${urlForMessage(options.url)}' is relative and the client has no apiBaseUrl`)
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

/**
 * `header` without `name` in any case. Header names are case-insensitive: an app's own
 * `authorization` beside our `Authorization` would go out as a second token header
 * (a stale one, on a replay), and which one the server reads is anyone's guess.
 */
function withoutHeader(header: Record<string, string> | undefined, name: string): Record<string, string> {
  const wanted = name.toLowerCase()
  const kept: Record<string, string> = {}
  for (const [key, value] of Object.entries(header ?? {})) if (key.toLowerCase() !== wanted) kept[key] = value
  return kept
}

async function send(
  deps: AuthenticatedRequestDeps,
  allowed: ReadonlySet<string>,
  request: { options: PlatformRequestOptions; session: Session; era: LoginEra },
): Promise<PlatformResponse> {
  const { options, session, era } = request
  const url = targetOf(deps, allowed, options)
  const header = { ...withoutHeader(options.header, deps.tokenHeader), ...tokenHeaderFor(session.token, deps.tokenHeader) }
  try {
    return await deps.scheduler.schedule(() => deps.platform.request({ ...options, url, header }), { priority: 'app', owner: era.owner })
  } catch (error) {
    throw toLoginError(error, 'network')
  }
}

/**
 * `request()` of the client: waits for a session, adds its token, and on a 401
 * re-logs in once for all concurrent 401s and replays each request once. A
 * second 401 rejects with `unauthorized`; any other status is the caller's.
 * Requests wait for a slot of the scheduler behind the login's own requests.
 * A request that a `logout()` overtakes rejects with `aborted` (waiting for a
 * session, for a slot, or answered 401) and never starts a login.
 */
export function createAuthenticatedRequest(deps: AuthenticatedRequestDeps) {
  const allowed = new Set([deps.apiBaseUrl, ...deps.trustedOrigins].flatMap((url) => (url === undefined ? [] : [originOf(url) ?? url])))

  return async function request(options: PlatformRequestOptions): Promise<PlatformResponse> {
    targetOf(deps, allowed, options)
    const era = deps.hold.era
    const session = await deps.hold.ensureLogin('request()')
    // A logout() may come between the session's arrival and this line (the session was at hand, so that
    // is one microtask): the token it ended must not go out after it.
    assertSameEra(deps.hold, era, describeRequest(options))
    const first = await send(deps, allowed, { options, session, era })
    if (first.statusCode !== 401) return first
    if (deps.hold.era !== era) {
      throw new LoginError('aborted', `${describeRequest(options)} was refused (401) after a logout; no login is started for it`)
    }
    expireSession(deps.actor, session)
    const fresh = await deps.hold.ensureLogin('request()')
    assertSameEra(deps.hold, era, `${describeRequest(options)} (the replay)`)
    const replay = await send(deps, allowed, { options, session: fresh, era })
    if (replay.statusCode === 401) {
      throw new LoginError('unauthorized', `${describeRequest(options)} was refused (401) even after a fresh login`)
    }
    return replay
  }
}
