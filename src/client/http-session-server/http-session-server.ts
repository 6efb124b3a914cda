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

/**
 * The server's time an answer states: `expiresAt - expiresIn` of its body, else its `Date` header.
 * A body whose difference is no time in milliseconds (a server that answers seconds) states none.
 */
function serverTimeOfAnswer(response: PlatformResponse): number | undefined {
  const expiresAt = numberField(response.data, 'expiresAt')
  const expiresIn = numberField(response.data, 'expiresIn')
  const fromBody = expiresAt !== undefined && expiresIn !== undefined ? expiresAt - expiresIn : undefined
  return fromBody !== undefined && isEpochMs(fromBody) ? fromBody : dateHeaderTime(response)
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
      if (session.expiresIn !== undefined) return session
      // A server without expiresIn: its Date header says the same, to the second.
      const serverNow = dateHeaderTime(response)
      return serverNow === undefined ? session : { ...session, expiresIn: session.expiresAt - serverNow }
    },

    async check(session: Session): Promise<boolean> {
      const response = await post('check', { header: tokenHeaderFor(session.token, tokenHeaderName) })
      if (response.statusCode === 200) {
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
