import type { PhoneNumber, PhoneNumberButtonDetail } from './http-session-server/types.ts'

/** The client's calls beside the login: the user's phone number and WeChat's session_key. */
export interface LoginClientAccount {
  /**
   * Binds the user's phone number: pass the getPhoneNumber button's
   * `e.detail` (or its `code`). Resolves with `{ phoneNumber,
   * purePhoneNumber, countryCode }`, which the server also keeps with the
   * user. Rejects with a `LoginError`: `phone_quota_exhausted` (the button's
   * errno 1400001, no code), `phone_denied` (the user declined),
   * `invalid_phone_code` (WeChat refused the code: tap again), `rate_limited`,
   * `server_error`...
   */
  bindPhoneNumber(input: string | PhoneNumberButtonDetail): Promise<PhoneNumber>
  /**
   * After the server answered `409 session_key_stale` (say, to
   * `/auth/decrypt`): one `wx.login` and a server refresh of the user's
   * session_key. The session, its token and the userId stay; fetch the
   * encrypted data again afterwards, since it was made with the new key.
   */
  refreshSessionKey(): Promise<void>
}
