import { fail, WECHAT_ERRCODES, type WechatOutcome } from './errcodes.ts'
import type { FixedWindowQuota } from './fixed-window-quota.ts'
import type { PhoneCodes } from './phone-codes.ts'

export interface GetUserPhoneNumberSuccess {
  errcode: 0
  errmsg: 'ok'
  phone_info: {
    phoneNumber: string
    purePhoneNumber: string
    countryCode: string
    watermark: { timestamp: number; appid: string }
  }
}

export interface GetUserPhoneNumberContext {
  appId: string
  codes: PhoneCodes
  /** Per-user frequency limit (45011). */
  quota: FixedWindowQuota
}

/**
 * `POST /wxa/business/getuserphonenumber` as WeChat documents it
 * (getPhoneNumber), once the access_token has been accepted: a missing
 * `code` is 41008; an unknown, expired (five minutes) or used code is 40029;
 * an `openid` in the body that is not the code's user is 40003; then the
 * user's minute quota (45011). Only a success uses the code up.
 */
export function getUserPhoneNumber(
  body: Record<string, unknown>,
  context: GetUserPhoneNumberContext,
): WechatOutcome<GetUserPhoneNumberSuccess> {
  const { code, openid } = body
  if (typeof code !== 'string' || code.length === 0) return fail(WECHAT_ERRCODES.codeMissing)
  const found = context.codes.lookup(code)
  if (found.status !== 'valid') return fail(WECHAT_ERRCODES.invalidCode)
  if (openid !== undefined && openid !== found.openid) return fail(WECHAT_ERRCODES.invalidOpenId)
  if (!context.quota.take(found.openid)) return fail(WECHAT_ERRCODES.minuteQuotaReached)

  context.codes.markUsed(code)
  return {
    ok: true,
    body: {
      errcode: 0,
      errmsg: 'ok',
      phone_info: { ...found.phone, watermark: { timestamp: found.issuedAtSeconds, appid: context.appId } },
    },
  }
}
