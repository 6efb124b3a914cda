/**
 * The `errcode` values the emulated `GET /sns/jscode2session` answers with,
 * and the `errmsg` text WeChat pairs with each (WeChat appends `, rid: …`).
 */
export const WECHAT_ERRCODES = {
  /** System busy; the developer should retry later. */
  systemError: -1,
  invalidGrantType: 40002,
  invalidAppId: 40013,
  /** Unknown, malformed or expired `js_code`. */
  invalidCode: 40029,
  invalidUrl: 40066,
  invalidAppSecret: 40125,
  /** The `js_code` was already exchanged once. */
  codeUsed: 40163,
  /** High-risk user: WeChat blocks the mini-program login. */
  codeBlocked: 40226,
  appIdMissing: 41002,
  appSecretMissing: 41004,
  codeMissing: 41008,
  requireGetMethod: 43001,
  /** Per-user frequency limit of code2Session. */
  minuteQuotaReached: 45011,
} as const

const ERRMSG_BY_ERRCODE: ReadonlyMap<number, string> = new Map([
  [WECHAT_ERRCODES.systemError, 'system error'],
  [WECHAT_ERRCODES.invalidGrantType, 'invalid grant_type'],
  [WECHAT_ERRCODES.invalidAppId, 'invalid appid'],
  [WECHAT_ERRCODES.invalidCode, 'invalid code'],
  [WECHAT_ERRCODES.invalidUrl, 'invalid url'],
  [WECHAT_ERRCODES.invalidAppSecret, 'invalid appsecret'],
  [WECHAT_ERRCODES.codeUsed, 'code been used'],
  [WECHAT_ERRCODES.codeBlocked, 'code blocked'],
  [WECHAT_ERRCODES.appIdMissing, 'appid missing'],
  [WECHAT_ERRCODES.appSecretMissing, 'appsecret missing'],
  [WECHAT_ERRCODES.codeMissing, 'missing code'],
  [WECHAT_ERRCODES.requireGetMethod, 'require GET method'],
  [WECHAT_ERRCODES.minuteQuotaReached, 'api minute-quota reach limit, must slower, retry next minute'],
])

/** The `errmsg` WeChat sends with `errcode` (without the `rid` suffix). */
export function errmsgFor(errcode: number): string {
  return ERRMSG_BY_ERRCODE.get(errcode) ?? 'injected failure'
}

export interface WechatErrorBody {
  errcode: number
  errmsg: string
}
