import { AUTH_ROUTES, isEpochMs, toLoginError, toSession, type AuthRoutes } from '../../contract/index.ts'
import type { PlatformRequestOptions, PlatformResponse } from '../../platform/types.ts'
import { accountCalls } from './account-calls.ts'
import { dateHeaderMs, errorFromResponse } from './http-errors.ts'
import type { Session, SessionServer } from './types.ts'

export type SessionServerPaths = AuthRoutes

/** The routes of the reference developer server (`miniprogram-login/server`). */
export const DEFAULT_SESSION_SERVER_PATHS: Readonly<SessionServerPaths> = AUTH_ROUTES

/** How a client reaches the default HTTP developer server. */
export interface HttpSessionServerConfig {
  baseUrl: string
  paths?: Partial<SessionServerPaths>
  /**
   * The header that carries the token. `Authorization` (the default) is sent
   * as `Bearer <token>`; any other name (the seed's `sessionKey`, say) carries
   * the bare token.
   */
  tokenHeader?: string
  /** Per-request timeout handed to the platform, in ms. */
  timeoutMs?: number
}

/** Which of the developer server's routes a request is for. */
export type SessionServerRoute = keyof SessionServerPaths

export interface HttpSessionServerOptions extends HttpSessionServerConfig {
  /**
   * Sends one request (the platform's `request`, or a wrapper around it).
   * `route` says which call it is for, so a wrapper can treat the login's own
   * calls apart from a logout that must still reach the server.
   */
  request: (options: PlatformRequestOptions, route: SessionServerRoute) => Promise<PlatformResponse>
  /**
   * Called with the server's time (ms since the epoch) whenever a session check
   * answer says it: `expiresAt - expiresIn`, else the `Date` header. The login
   * answer carries it in the session's `expiresIn` instead.
   */
  onServerTime?: (serverNowMs: number) => void
}

/** The `Date` header's time; it has whole seconds, so the middle of that second. */
function dateHeaderTime(response: PlatformResponse): number | undefined {
  const parsed = dateHeaderMs(response.header)
  return parsed === undefined ? undefined : parsed + 500
}

function numberField(data: unknown, name: string): number | undefined {
  const value = typeof data === 'object' && data !== null ? (data as Record<string, unknown>)[name] : undefined
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined
}

/** Within this of the `Date` header, a time agrees with it (the header has whole seconds; the answer took time to arrive). */
const DATE_HEADER_TOLERANCE_MS = 60_000

/**
 * The server's time an answer states: `expiresAt - expiresIn` of its body, else its `Date` header.
 * A body whose difference is no time in milliseconds states none. The body wins over the header,
 * except for the slip an OAuth habit makes, `expiresIn` in seconds beside `expiresAt` in
 * milliseconds: when only the seconds reading agrees with the header, it is the one taken (the
 * milliseconds one is off by almost the session's life, and re-logged in every few seconds).
 */
function serverTimeOfAnswer(response: PlatformResponse): number | undefined {
  const expiresAt = numberField(response.data, 'expiresAt')
  const expiresIn = numberField(response.data, 'expiresIn')
  const header = dateHeaderTime(response)
  if (expiresAt === undefined || expiresIn === undefined || !isEpochMs(expiresAt - expiresIn)) return header
  const agrees = (time: number) => header !== undefined && Math.abs(time - header) <= DATE_HEADER_TOLERANCE_MS
  return !agrees(expiresAt - expiresIn) && agrees(expiresAt - expiresIn * 1000) ? expiresAt - expiresIn * 1000 : expiresAt - expiresIn
}

/** Joins a base URL and a path without doubling or dropping the slash; absolute URLs pass through. */
export function resolveUrl(baseUrl: string, path: string): string {
  if (/^https?:\/\//i.test(path)) return path
  return `${baseUrl.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`
}

/** The header that carries a session token. */
export function tokenHeaderFor(token: string, headerName = 'Authorization'): Record<string, string> {
  const value = headerName.toLowerCase() === 'authorization' ? `Bearer ${token}` : token
  return { [headerName]: value }
}

/** The developer-server contract over the platform's HTTP (`wx.request` and friends). */
export function httpSessionServer(options: HttpSessionServerOptions): SessionServer {
  const paths = { ...DEFAULT_SESSION_SERVER_PATHS, ...options.paths }
  const tokenHeaderName = options.tokenHeader ?? 'Authorization'

  async function post(route: SessionServerRoute, init: { data?: unknown; header?: Record<string, string> }): Promise<PlatformResponse> {
    try {
      return await options.request(
        {
          url: resolveUrl(options.baseUrl, paths[route]),
          method: 'POST',
          data: init.data ?? {},
          header: { 'content-type': 'application/json', ...init.header },
          ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
        },
        route,
      )
    } catch (error) {
      // No answer at all: the platform says timeout or network; anything else is a network failure too.
      throw toLoginError(error, 'network')
    }
  }

  return {
    async login(code: string): Promise<Session> {
      const response = await post('login', { data: { code } })
      if (response.statusCode !== 200) throw errorFromResponse(response, 'login')
      const session = toSession(response.data)
      // The session's life in the server's time, from the body or, without expiresIn or against it, the Date header.
      const serverNow = serverTimeOfAnswer(response)
      return serverNow === undefined ? session : { ...session, expiresIn: session.expiresAt - serverNow }
    },

    async check(session: Session): Promise<boolean> {
      const response = await post('check', { header: tokenHeaderFor(session.token, tokenHeaderName) })
      if (response.statusCode === 200) {
        // An error body under a 200 (a gateway that answers every error so) says no "valid".
        const error = (response.data as { error?: unknown } | null)?.error
        if (error === 'session_expired') return false
        // Read as the same error under its own status would be; an unknown one is invalid_response.
        if (typeof error === 'string') throw errorFromResponse(response, 'session check')
        const serverNow = serverTimeOfAnswer(response)
        if (serverNow !== undefined) options.onServerTime?.(serverNow)
        return true
      }
      if (response.statusCode === 401) return false
      throw errorFromResponse(response, 'session check')
    },

    async logout(session: Session): Promise<void> {
      const response = await post('logout', { header: tokenHeaderFor(session.token, tokenHeaderName) })
      // 401: the server has already forgotten the session, which is what logout wants.
      if ((response.statusCode >= 200 && response.statusCode < 300) || response.statusCode === 401) return
      throw errorFromResponse(response, 'logout')
    },

    ...accountCalls({ post, authHeader: (session) => tokenHeaderFor(session.token, tokenHeaderName) }),
  }
}

/** Whether `server` is a ready `SessionServer` rather than the options of the HTTP one. */
export function isSessionServer(server: SessionServer | HttpSessionServerConfig): server is SessionServer {
  return typeof (server as Partial<SessionServer>).login === 'function' && typeof (server as Partial<SessionServer>).check === 'function'
}
