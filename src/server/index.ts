/** `miniprogram-login/server`: the reference developer server and its parts. */
export { createServer } from './create-server.ts'
export { loginPlugin } from './login-plugin.ts'
export { DEFAULT_SESSION_TTL_MS, MAX_SESSION_TTL_MS } from './login-options.ts'
export type { AccessTokenOptions, CreateServerOptions, LoginPluginOptions, WechatAppOptions } from './types.ts'

export { HttpError, isHttpError, SERVER_ERROR_CODES } from './http-errors.ts'
export type { ErrorBody, HttpErrorOptions, ServerErrorCode } from './http-errors.ts'

export { withSecretRedaction } from './logging.ts'
export type { ServerLoggerOption } from './logging.ts'

export {
  createSqliteStore,
  DEFAULT_MAX_SESSIONS_PER_USER,
  DEFAULT_SQLITE_PATH,
  DEFAULT_STORE_OPERATION_TIMEOUT_MS,
  isSessionStoreError,
  SessionStoreError,
} from './store/index.ts'
export type {
  CreateSessionOptions,
  LoginStart,
  RateLimitCounter,
  RateLimitHit,
  SessionKeyEncryption,
  SessionRecord,
  SessionStore,
  SqliteSessionStore,
  SqliteStoreOptions,
  UserStore,
  WechatUser,
} from './store/index.ts'

export {
  decryptData,
  DecryptDataError,
  DEFAULT_WECHAT_API_BASE,
  isDecryptDataError,
  verifySignature,
  createMemoryTokenCache,
  DEFAULT_ACCESS_TOKEN_REFRESH_AHEAD_MS,
  DEFAULT_FORCE_REFRESH_INTERVAL_MS,
  DEFAULT_MAX_FORCE_REFRESHES_PER_DAY,
  isWechatApiError,
  WechatApiError,
} from './wechat/index.ts'
export type {
  AccessTokenEvent,
  CachedAccessToken,
  DecryptedData,
  DecryptFailure,
  PhoneNumber,
  WechatApiAnswer,
  WechatApiFailure,
  WechatIdentity,
  WechatTokenCache,
  WechatWatermark,
} from './wechat/index.ts'
export { LoginHookResultError } from './users/index.ts'
export type { AppUser, LoginHook, LoginHookInput, LoginHookResult, PhoneNumberHook, PhoneNumberHookInput } from './users/index.ts'

export type { IssuedSession, LoginSessions } from './plugins/index.ts'
export { createMemoryRateLimitCounter, DEFAULT_LOGIN_RATE_LIMIT, DEFAULT_MAX_LOGINS_PER_OPENID } from './rate-limit/index.ts'
export type { LoginRateLimitOptions } from './rate-limit/index.ts'
export { answerClientError } from './client-errors.ts'
export type { TrustProxyOption } from './trust-proxy.ts'
export { createSecretBox, generateSecretBoxKey, isSecretBoxError, parseSecretBoxKeys, SecretBoxError } from './secret-box/index.ts'
export type { SecretBox, SecretBoxFailure, SecretBoxKey, SecretBoxOptions } from './secret-box/index.ts'
