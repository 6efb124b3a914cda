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
