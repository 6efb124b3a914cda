/**
 * The signature WeChat's checksession and resetusersessionkey take to prove
 * the caller holds the user's session_key: HMAC-SHA256 keyed with the
 * session_key (its base64 text) over the empty string, in hex
 * (`sig_method=hmac_sha256`).
 */
import { createHmac } from 'node:crypto'

export const LOGIN_STATE_SIG_METHOD = 'hmac_sha256'

export function loginStateSignature(sessionKey: string): string {
  return createHmac('sha256', sessionKey).update('').digest('hex')
}
