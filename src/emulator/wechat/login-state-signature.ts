import { fail, WECHAT_ERRCODES } from './errcodes.ts'
import { SIG_METHOD, signatureMatches } from './session-signature.ts'
import type { WechatAccounts } from './wechat-accounts.ts'

export type LoginStateCheck = { ok: true; openid: string } | { ok: false; errcode: number }

/**
 * What checkSessionKey and resetUserSessionKey both verify: `openid` names a
 * user who logged in (40003 otherwise), `sig_method` is hmac_sha256 and
 * `signature` signs the user's current session_key, whose login state is
 * still alive (87009 otherwise: a rotated, reset or expired key is stale).
 */
export function checkLoginStateSignature(query: URLSearchParams, accounts: WechatAccounts): LoginStateCheck {
  const openid = query.get('openid')
  if (!openid) return fail(WECHAT_ERRCODES.invalidOpenId)
  const sessionKey = accounts.sessionKeyOf(openid)
  if (sessionKey === undefined) return fail(WECHAT_ERRCODES.invalidOpenId)
  const signature = query.get('signature')
  if (query.get('sig_method') !== SIG_METHOD || !signature || !signatureMatches(sessionKey, signature)) {
    return fail(WECHAT_ERRCODES.invalidSignature)
  }
  if (!accounts.isSessionAlive(openid)) return fail(WECHAT_ERRCODES.invalidSignature)
  return { ok: true, openid }
}
