export {
  Code2SessionError,
  createCode2SessionClient,
  DEFAULT_CODE2SESSION_RETRIES,
  DEFAULT_CODE2SESSION_RETRY_DELAY_MS,
  DEFAULT_CODE2SESSION_TIMEOUT_MS,
  DEFAULT_WECHAT_API_BASE,
  isCode2SessionError,
  isLoopbackHost,
} from './code2session.ts'
export type { Code2SessionClient, Code2SessionClientOptions, Code2SessionFailure, WechatIdentity } from './code2session.ts'
export { httpForWechatErrcode, UNMAPPED_WECHAT_ERRCODE_HTTP, WECHAT_ERRCODE_HTTP, WECHAT_UNAVAILABLE_HTTP } from './errcode-map.ts'
export type { WechatErrcodeAnswer } from './errcode-map.ts'
export { decryptData, DecryptDataError, isDecryptDataError } from './decrypt-data.ts'
export type { DecryptedData, DecryptFailure, WechatWatermark } from './decrypt-data.ts'
export { signRawData, verifySignature } from './verify-signature.ts'
export { fetchBounded, WECHAT_ANSWER_MAX_BYTES } from './bounded-fetch.ts'
export type { BoundedAnswer } from './bounded-fetch.ts'
export { isSessionKeyShape, isWechatId, SESSION_KEY_PATTERN, WECHAT_ID_PATTERN } from './identity-shape.ts'
export { wechatEndpoint } from './api-base.ts'
export { callWechatApi } from './wechat-api-call.ts'
export type { WechatApiCall } from './wechat-api-call.ts'
export { ACCESS_TOKEN_REJECTED_ERRCODES, isAccessTokenRejection, isWechatApiError, WechatApiError } from './wechat-api-error.ts'
export type { WechatApiFailure, WechatServerApiName } from './wechat-api-error.ts'
export { asHttpError, httpForWechatApiError } from './wechat-api-http.ts'
export type { WechatApiAnswer } from './wechat-api-http.ts'
export { createWechatServerApi, DEFAULT_WECHAT_API_TIMEOUT_MS, STALE_LOGIN_STATE_ERRCODE } from './wechat-server-api.ts'
export type { WechatServerApi, WechatServerApiOptions } from './wechat-server-api.ts'
export { isPhoneNumber, phoneNumberOfAnswer } from './phone-number.ts'
export type { PhoneNumber } from './phone-number.ts'
export { LOGIN_STATE_SIG_METHOD, loginStateSignature } from './login-state-signature.ts'
export {
  createAccessTokenManager,
  createMemoryTokenCache,
  DEFAULT_ACCESS_TOKEN_REFRESH_AHEAD_MS,
  DEFAULT_ACCESS_TOKEN_TIMEOUT_MS,
  DEFAULT_FORCE_REFRESH_INTERVAL_MS,
  DEFAULT_MAX_FORCE_REFRESHES_PER_DAY,
} from './access-token/index.ts'
export type {
  AccessTokenEvent,
  AccessTokenManager,
  AccessTokenManagerOptions,
  CachedAccessToken,
  ForceWithheldReason,
  WechatTokenCache,
} from './access-token/index.ts'
