/**
 * A local WeChat for tests and demos: `startWechatEmulator` serves WeChat's
 * code2Session on real HTTP, `createSimulatedWx` is a `wx` for Node that logs
 * in against it. No WeChat account and no internet needed.
 */
export {
  startWechatEmulator,
  CODE2SESSION_PATH,
  SIM_CHECK_SESSION_PATH,
  SIM_LOGIN_PATH,
  WECHAT_ERRCODES,
  errmsgFor,
  encryptUserData,
  newOpenId,
} from './wechat/index.ts'
export type {
  Code2SessionSuccess,
  EncryptedUserData,
  WechatEmulator,
  WechatEmulatorFaults,
  WechatEmulatorOptions,
  WechatEmulatorRateLimit,
  WechatEmulatorStats,
  WechatErrorBody,
} from './wechat/index.ts'
export { createSimulatedWx, CHECK_SESSION_EXPIRED_ERRMSG, WECHAT_STORAGE_LIMITS, WX_ERRNO, WxApiError } from './wx/index.ts'
export type { SimulatedWx, SimulatedWxApi, SimulatedWxApiName, SimulatedWxControls, SimulatedWxOptions, StorageLimits } from './wx/index.ts'
