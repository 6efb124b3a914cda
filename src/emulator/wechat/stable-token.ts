import type { AccessTokens } from './access-tokens.ts'
import { fail, WECHAT_ERRCODES, type WechatOutcome } from './errcodes.ts'
import type { FixedWindowQuota } from './fixed-window-quota.ts'

export interface StableTokenSuccess {
  access_token: string
  expires_in: number
}

export interface StableTokenContext {
  appId: string
  secret: string
  tokens: AccessTokens
  /** All stable_token calls of the app, per minute (WeChat: 10 000) and per day (WeChat: 500 000). */
  perMinute: FixedWindowQuota
  perDay: FixedWindowQuota
  /** Force-refresh calls per day (WeChat: 20). */
  forceRefreshPerDay: FixedWindowQuota
  /** Counts force-refresh calls that passed the credential checks. */
  onForceRefreshCall: () => void
}

/**
 * `POST /cgi-bin/stable_token` as WeChat documents it (getStableAccessToken):
 * credentials first (41002, 40013, 41004, 40125, then 40002), then the
 * app's minute and day quotas (45011, 45009), then the daily force-refresh
 * limit (45009). Normal mode keeps the token while it is valid; see
 * `AccessTokens` for the hand-over rules.
 */
export function stableToken(body: Record<string, unknown>, context: StableTokenContext): WechatOutcome<StableTokenSuccess> {
  const { appid, secret, grant_type: grantType, force_refresh: forceRefresh } = body

  if (typeof appid !== 'string' || appid.length === 0) return fail(WECHAT_ERRCODES.appIdMissing)
  if (appid !== context.appId) return fail(WECHAT_ERRCODES.invalidAppId)
  if (typeof secret !== 'string' || secret.length === 0) return fail(WECHAT_ERRCODES.appSecretMissing)
  if (secret !== context.secret) return fail(WECHAT_ERRCODES.invalidAppSecret)
  if (grantType !== 'client_credential') return fail(WECHAT_ERRCODES.invalidGrantType)
  // The documented type is boolean; a string "true" is a caller's bug worth seeing.
  if (forceRefresh !== undefined && typeof forceRefresh !== 'boolean') return fail(WECHAT_ERRCODES.dataFormatError)

  if (!context.perMinute.take(appid)) return fail(WECHAT_ERRCODES.minuteQuotaReached)
  if (!context.perDay.take(appid)) return fail(WECHAT_ERRCODES.dailyQuotaReached)

  if (forceRefresh === true) {
    context.onForceRefreshCall()
    if (!context.forceRefreshPerDay.take(appid)) return fail(WECHAT_ERRCODES.dailyQuotaReached)
    const { token } = context.tokens.forceRefresh()
    return { ok: true, body: { access_token: token.accessToken, expires_in: token.expiresIn } }
  }
  const token = context.tokens.normal()
  return { ok: true, body: { access_token: token.accessToken, expires_in: token.expiresIn } }
}
