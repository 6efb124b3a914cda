import { fail, WECHAT_ERRCODES, type WechatOutcome } from './errcodes.ts'
import type { FixedWindowQuota } from './fixed-window-quota.ts'
import { checkLoginStateSignature } from './login-state-signature.ts'
import type { WechatAccounts } from './wechat-accounts.ts'

export interface ResetSessionKeySuccess {
  errcode: 0
  errmsg: 'ok'
  openid: string
  session_key: string
}

export interface ResetSessionKeyContext {
  appId: string
  accounts: WechatAccounts
  /** The app's frequency limit (WeChat: 60 000 per minute), 45011 past it. */
  quota: FixedWindowQuota
}

/**
 * `GET /wxa/resetusersessionkey` as WeChat documents it
 * (ResetUserSessionKey), once the access_token has been accepted: the
 * signature must sign the current session_key (the same checks as
 * checkSessionKey), and the answer carries the new key. The old key stops
 * working at once; the new one keeps the old one's expiry.
 */
export function resetSessionKey(query: URLSearchParams, context: ResetSessionKeyContext): WechatOutcome<ResetSessionKeySuccess> {
  if (!context.quota.take(context.appId)) return fail(WECHAT_ERRCODES.minuteQuotaReached)
  const verified = checkLoginStateSignature(query, context.accounts)
  if (!verified.ok) return verified
  const sessionKey = context.accounts.resetSessionKey(verified.openid)
  // The signature check found the user, so a key is there to replace.
  if (sessionKey === undefined) return fail(WECHAT_ERRCODES.invalidOpenId)
  return { ok: true, body: { errcode: 0, errmsg: 'ok', openid: verified.openid, session_key: sessionKey } }
}
