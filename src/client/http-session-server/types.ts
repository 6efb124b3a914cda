import type { PhoneNumber, Session } from '../../contract/index.ts'

/** `PhoneNumber` is what `POST /auth/phone` answers. */
export type { PhoneNumber, Session }

/** What the getPhoneNumber button's `bindgetphonenumber` event carries in `e.detail`. */
export interface PhoneNumberButtonDetail {
  /** The code to trade at the server; absent when the tap failed. */
  code?: string
  errMsg?: string
  /** 1400001 when the mini-program's phone-number quota is used up. */
  errno?: number
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
  /** Trades the getPhoneNumber button's code for the session user's number (`auth.bindPhoneNumber`). 401 rejects with `session_expired`. */
  bindPhoneNumber?(session: Session, code: string): Promise<PhoneNumber>
  /** Gives the server a fresh `wx.login` code to refresh the user's session_key, keeping the session (`auth.refreshSessionKey`). */
  refreshSessionKey?(session: Session, code: string): Promise<void>
}
