import type { WechatOutcome } from './errcodes.ts'
import { checkLoginStateSignature } from './login-state-signature.ts'
import type { WechatAccounts } from './wechat-accounts.ts'

export interface CheckSessionKeySuccess {
  errcode: 0
  errmsg: 'ok'
}

/**
 * `GET /wxa/checksession` as WeChat documents it (checkSessionKey), once the
 * access_token has been accepted: `{ errcode: 0, errmsg: 'ok' }` when the
 * signature signs the user's current session_key, 87009 when it does not.
 */
export function checkSessionKey(query: URLSearchParams, accounts: WechatAccounts): WechatOutcome<CheckSessionKeySuccess> {
  const verified = checkLoginStateSignature(query, accounts)
  if (!verified.ok) return verified
  return { ok: true, body: { errcode: 0, errmsg: 'ok' } }
}
