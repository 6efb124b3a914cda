export { startWechatEmulator, CODE2SESSION_PATH, SIM_CHECK_SESSION_PATH, SIM_LOGIN_PATH } from './start-wechat-emulator.ts'
export { WECHAT_ERRCODES, errmsgFor } from './errcodes.ts'
export type { WechatErrorBody } from './errcodes.ts'
export { encryptUserData } from './user-data-crypto.ts'
export type { EncryptedUserData } from './user-data-crypto.ts'
export { newOpenId } from './ids.ts'
export type { Code2SessionSuccess } from './code2session.ts'
export type {
  WechatEmulator,
  WechatEmulatorFaults,
  WechatEmulatorOptions,
  WechatEmulatorRateLimit,
  WechatEmulatorStats,
} from './types.ts'
