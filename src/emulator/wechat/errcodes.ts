/**
 * The `errcode` values the emulated WeChat APIs answer with, and the `errmsg`
 * text WeChat pairs with each (WeChat appends `, rid: …`). Which API answers
 * which code, and when, is in docs/emulator.md.
 */
export const WECHAT_ERRCODES = {
  /** System busy; the developer should retry later. */
  systemError: -1,
  /** The access_token is unknown, or was replaced (force refresh) and is no longer the latest. */
  invalidCredential: 40001,
  invalidGrantType: 40002,
  invalidOpenId: 40003,
  invalidAppId: 40013,
  /** Not an access_token at all. */
  invalidAccessToken: 40014,
  /** Unknown, malformed or expired `js_code` (or phone-number code). */
  invalidCode: 40029,
  invalidUrl: 40066,
  invalidAppSecret: 40125,
  /** The `js_code` was already exchanged once. */
  codeUsed: 40163,
  /** High-risk user: WeChat blocks the mini-program login. */
  codeBlocked: 40226,
  accessTokenMissing: 41001,
  appIdMissing: 41002,
  appSecretMissing: 41004,
  codeMissing: 41008,
  accessTokenExpired: 42001,
  requireGetMethod: 43001,
  requirePostMethod: 43002,
  emptyPostData: 44002,
  /** A daily limit: stable_token calls, or its force-refresh mode. */
  dailyQuotaReached: 45009,
  /** A per-minute frequency limit. */
  minuteQuotaReached: 45011,
  /** The body is not the JSON the API expects. */
  dataFormatError: 47001,
  /** checkSessionKey / resetUserSessionKey: the signature is not the user's current session_key. */
  invalidSignature: 87009,
} as const

const ERRMSG_BY_ERRCODE: ReadonlyMap<number, string> = new Map([
  [WECHAT_ERRCODES.systemError, 'system error'],
  [WECHAT_ERRCODES.invalidCredential, 'invalid credential, access_token is invalid or not latest'],
  [WECHAT_ERRCODES.invalidGrantType, 'invalid grant_type'],
  [WECHAT_ERRCODES.invalidOpenId, 'invalid openid'],
  [WECHAT_ERRCODES.invalidAppId, 'invalid appid'],
  [WECHAT_ERRCODES.invalidAccessToken, 'invalid access_token'],
  [WECHAT_ERRCODES.invalidCode, 'invalid code'],
  [WECHAT_ERRCODES.invalidUrl, 'invalid url'],
  [WECHAT_ERRCODES.invalidAppSecret, 'invalid appsecret'],
  [WECHAT_ERRCODES.codeUsed, 'code been used'],
  [WECHAT_ERRCODES.codeBlocked, 'code blocked'],
  [WECHAT_ERRCODES.accessTokenMissing, 'access_token missing'],
  [WECHAT_ERRCODES.appIdMissing, 'appid missing'],
  [WECHAT_ERRCODES.appSecretMissing, 'appsecret missing'],
  [WECHAT_ERRCODES.codeMissing, 'missing code'],
  [WECHAT_ERRCODES.accessTokenExpired, 'access_token expired'],
  [WECHAT_ERRCODES.requireGetMethod, 'require GET method'],
  [WECHAT_ERRCODES.requirePostMethod, 'require POST method'],
  [WECHAT_ERRCODES.emptyPostData, 'empty post data'],
  [WECHAT_ERRCODES.dailyQuotaReached, 'reach max api daily quota limit'],
  [WECHAT_ERRCODES.minuteQuotaReached, 'api minute-quota reach limit, must slower, retry next minute'],
  [WECHAT_ERRCODES.dataFormatError, 'data format error'],
  [WECHAT_ERRCODES.invalidSignature, 'invalid signature'],
])

/** The `errmsg` WeChat sends with `errcode` (without the `rid` suffix). */
export function errmsgFor(errcode: number): string {
  return ERRMSG_BY_ERRCODE.get(errcode) ?? 'injected failure'
}

export interface WechatErrorBody {
  errcode: number
  errmsg: string
}

/** What one call of an emulated API comes to: the body to answer, or an errcode. */
export type WechatOutcome<T> = { ok: true; body: T } | { ok: false; errcode: number }

export function fail(errcode: number): { ok: false; errcode: number } {
  return { ok: false, errcode }
}
