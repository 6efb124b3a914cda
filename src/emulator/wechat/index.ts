export {
  startWechatEmulator,
  CHECK_SESSION_KEY_PATH,
  CODE2SESSION_PATH,
  GET_USER_PHONE_NUMBER_PATH,
  RESET_SESSION_KEY_PATH,
  SIM_CHECK_SESSION_PATH,
  SIM_LOGIN_PATH,
  STABLE_TOKEN_PATH,
} from './start-wechat-emulator.ts'
export { WECHAT_ERRCODES, errmsgFor } from './errcodes.ts'
export type { WechatErrorBody } from './errcodes.ts'
export { WECHAT_API_NAMES } from './fault-plan.ts'
export type { WechatApiName } from './fault-plan.ts'
export { PhoneQuotaExhaustedError } from './phone-codes.ts'
export { sessionSignature } from './session-signature.ts'
export { encryptUserData } from './user-data-crypto.ts'
export type { EncryptedUserData } from './user-data-crypto.ts'
export { newOpenId } from './ids.ts'
export type { Code2SessionSuccess } from './code2session.ts'
export type { StableTokenSuccess } from './stable-token.ts'
export type { GetUserPhoneNumberSuccess } from './get-user-phone-number.ts'
export type { CheckSessionKeySuccess } from './check-session-key.ts'
export type { ResetSessionKeySuccess } from './reset-session-key.ts'
export type {
  WechatAccessTokenStats,
  WechatApiFaults,
  WechatApiStats,
  WechatEmulator,
  WechatEmulatorAccessTokenOptions,
  WechatEmulatorFaults,
  WechatEmulatorOptions,
  WechatEmulatorRateLimit,
  WechatEmulatorStats,
  WechatPhoneNumberStats,
} from './types.ts'
