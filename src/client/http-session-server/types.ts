import type { Session } from '../../contract/index.ts'

export type { Session }

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
