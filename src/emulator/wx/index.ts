export { createSimulatedWx, CHECK_SESSION_EXPIRED_ERRMSG } from './create-simulated-wx.ts'
export { WECHAT_STORAGE_LIMITS } from './simulated-storage.ts'
export { WX_ERRNO } from './network-failure.ts'
export { WxApiError } from './wx-api-error.ts'
export type {
  SimulatedWx,
  SimulatedWxApi,
  SimulatedWxApiName,
  SimulatedWxControls,
  SimulatedWxOptions,
  StorageLimits,
} from './types.ts'
