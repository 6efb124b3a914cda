/** Where the developer server's login routes live, relative to its base URL (or to a plugin prefix). */
export interface AuthRoutes {
  /** `POST { code }` → `200 { token, expiresAt, expiresIn }` (`expiresIn`: ms of life left). */
  login: string
  /** `POST`, Bearer token → `200 { expiresAt, expiresIn }` while the session lives, `401 session_expired` after. */
  check: string
  /** `POST`, Bearer token → `204`; `401` when the session was already gone. */
  logout: string
}

export const AUTH_ROUTES: Readonly<AuthRoutes> = Object.freeze({
  login: '/auth/login',
  check: '/auth/session',
  logout: '/auth/logout',
})
