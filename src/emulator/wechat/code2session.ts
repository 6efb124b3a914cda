import { fail, WECHAT_ERRCODES, type WechatOutcome } from './errcodes.ts'
import type { FixedWindowQuota } from './fixed-window-quota.ts'
import type { WechatAccounts } from './wechat-accounts.ts'

export interface Code2SessionSuccess {
  openid: string
  session_key: string
  unionid?: string
}

export type Code2SessionOutcome = WechatOutcome<Code2SessionSuccess>

export interface Code2SessionContext {
  appId: string
  secret: string
  accounts: WechatAccounts
  quota: FixedWindowQuota
  /** The user's unionid when the app is bound to an Open Platform account; `undefined` otherwise. */
  unionIdOf: (openid: string) => string | undefined
}

/**
 * `GET /sns/jscode2session` as WeChat documents it. Parameters are checked
 * first, then the code (unknown or expired 40029, used 40163), then the
 * user's minute quota (45011) and risk level (40226). Only a successful call
 * uses the code up.
 */
export function code2Session(query: URLSearchParams, context: Code2SessionContext): Code2SessionOutcome {
  const appId = query.get('appid')
  const secret = query.get('secret')
  const code = query.get('js_code')
  const grantType = query.get('grant_type')

  if (!appId) return fail(WECHAT_ERRCODES.appIdMissing)
  if (appId !== context.appId) return fail(WECHAT_ERRCODES.invalidAppId)
  if (!secret) return fail(WECHAT_ERRCODES.appSecretMissing)
  if (secret !== context.secret) return fail(WECHAT_ERRCODES.invalidAppSecret)
  if (!code) return fail(WECHAT_ERRCODES.codeMissing)
  if (grantType !== 'authorization_code') return fail(WECHAT_ERRCODES.invalidGrantType)

  const found = context.accounts.lookupCode(code)
  if (found.status === 'unknown' || found.status === 'expired') return fail(WECHAT_ERRCODES.invalidCode)
  if (found.status === 'used') return fail(WECHAT_ERRCODES.codeUsed)
  if (!context.quota.take(found.openid)) return fail(WECHAT_ERRCODES.minuteQuotaReached)
  if (context.accounts.isHighRisk(found.openid)) return fail(WECHAT_ERRCODES.codeBlocked)

  context.accounts.markUsed(code)
  const unionid = context.unionIdOf(found.openid)
  return {
    ok: true,
    body: {
      openid: found.openid,
      session_key: found.sessionKey,
      ...(unionid === undefined ? {} : { unionid }),
    },
  }
}
