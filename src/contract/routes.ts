/** Where the developer server's login routes live, relative to its base URL (or to a plugin prefix). */
export interface AuthRoutes {
  /** `POST { code }` → `200 { token, expiresAt, expiresIn }` (`expiresIn`: ms of life left). */
  login: string
  /** `POST`, Bearer token → `200 { expiresAt, expiresIn }` while the session lives, `401 session_expired` after. */
  check: string
  /** `POST`, Bearer token → `204`; `401` when the session was already gone. */
  logout: string
  /** `POST { encryptedData, iv }`, Bearer token → `200 { data }`; `409 session_key_stale` when WeChat's session_key moved on. */
  decrypt: string
  /** `POST { code }` (the getPhoneNumber button's code), Bearer token → `200 { phoneNumber, purePhoneNumber, countryCode }`. */
  phone: string
  /** `POST { code }` (a fresh `wx.login` code), Bearer token → `204`: the user's session_key is current again, the session unchanged. */
  sessionKey: string
}

export const AUTH_ROUTES: Readonly<AuthRoutes> = Object.freeze({
  login: '/auth/login',
  check: '/auth/session',
  logout: '/auth/logout',
  decrypt: '/auth/decrypt',
  phone: '/auth/phone',
  sessionKey: '/auth/session-key',
})
