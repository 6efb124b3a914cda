export { startWechatEmulator } from './start-wechat-emulator.ts'
// Every path the emulator serves.
export * from './api-paths.ts'
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
  WechatHeldCalls,
  WechatPhoneNumberStats,
} from './types.ts'
