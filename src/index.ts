/**
 * miniprogram-login: what a mini-program imports.
 *
 *   const auth = createLoginClient({ platform: wechatPlatform(wx), server: { baseUrl } })
 *   App({ auth, onLaunch() { auth.start() } })
 */
export { createLoginClient, DEFAULT_STORAGE_KEY, PHONE_QUOTA_EXHAUSTED_ERRNO } from './client/index.ts'
export type {
  LoginClient,
  LoginClientAccount,
  LoginClientEvent,
  LoginClientEventListener,
  LoginClientEventType,
  LoginClientOptions,
  LoginSnapshot,
  Unsubscribe,
} from './client/index.ts'
export { LoginError, LOGIN_ERROR_CODES, isLoginError, toLoginError } from './contract/index.ts'
export type { LoginErrorCode, LoginErrorOptions } from './contract/index.ts'
export { httpSessionServer, DEFAULT_SESSION_SERVER_PATHS } from './client/http-session-server/index.ts'
export type {
  HttpSessionServerConfig,
  HttpSessionServerOptions,
  PhoneNumber,
  PhoneNumberButtonDetail,
  Session,
  SessionServer,
  SessionServerPaths,
  SessionServerRoute,
} from './client/http-session-server/index.ts'
export { wechatPlatform } from './platform/wechat.ts'
export type { Platform, PlatformRequestOptions, PlatformResponse, PlatformStorage } from './platform/index.ts'
export { createRequestScheduler, DEFAULT_MAX_CONCURRENT_REQUESTS } from './platform/request-scheduler.ts'
export type { RequestPriority, RequestScheduler, RequestSchedulerOptions, ScheduleOptions } from './platform/request-scheduler.ts'
export { loginMachine, DEFAULT_RETRY_POLICY, DEFAULT_STEP_TIMEOUTS } from '../machines/index.ts'
export type { LoginContext, LoginEffects, LoginEvent, LoginStateName, LoginStep, RetryPolicy, StepTimeouts } from '../machines/index.ts'
