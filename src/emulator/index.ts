/**
 * A local WeChat for tests and demos: `startWechatEmulator` serves WeChat's
 * code2Session, stable_token, getuserphonenumber, checksession and
 * resetusersessionkey on real HTTP, `createSimulatedWx` is a `wx` for Node
 * that logs in against it. No WeChat account and no internet needed.
 */
export {
  startWechatEmulator,
  CHECK_SESSION_KEY_PATH,
  CODE2SESSION_PATH,
  GET_USER_PHONE_NUMBER_PATH,
  RESET_SESSION_KEY_PATH,
  SIM_CHECK_SESSION_PATH,
  SIM_LOGIN_PATH,
  STABLE_TOKEN_PATH,
  WECHAT_API_NAMES,
  WECHAT_ERRCODES,
  PhoneQuotaExhaustedError,
  errmsgFor,
  encryptUserData,
  newOpenId,
  sessionSignature,
} from './wechat/index.ts'
export type {
  CheckSessionKeySuccess,
  Code2SessionSuccess,
  EncryptedUserData,
  GetUserPhoneNumberSuccess,
  ResetSessionKeySuccess,
  StableTokenSuccess,
  WechatAccessTokenStats,
  WechatApiFaults,
  WechatApiName,
  WechatApiStats,
  WechatEmulator,
  WechatEmulatorAccessTokenOptions,
  WechatEmulatorFaults,
  WechatEmulatorOptions,
  WechatEmulatorRateLimit,
  WechatEmulatorStats,
  WechatErrorBody,
  WechatPhoneNumberStats,
} from './wechat/index.ts'
export { createSimulatedWx, CHECK_SESSION_EXPIRED_ERRMSG, WECHAT_STORAGE_LIMITS, WX_ERRNO, WxApiError } from './wx/index.ts'
export type { SimulatedWx, SimulatedWxApi, SimulatedWxApiName, SimulatedWxControls, SimulatedWxOptions, StorageLimits } from './wx/index.ts'
