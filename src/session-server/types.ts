/** The developer server's own session, as the client keeps it. Opaque to the client. */
export interface Session {
  token: string
  /** Milliseconds since the epoch. */
  expiresAt: number
}

/**
 * The developer server, as the login flow sees it. Reject with a `LoginError`
 * to say what went wrong; any other rejection counts as a transient
 * `server_error`.
 */
export interface SessionServer {
  /** Trades a one-time `wx.login` code for a session. */
  login(code: string): Promise<Session>
  /** `true` while the session is valid, `false` once it expired; rejects on a transient failure. */
  check(session: Session): Promise<boolean>
  logout?(session: Session): Promise<void>
}
