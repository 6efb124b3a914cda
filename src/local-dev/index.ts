/**
 * The developer server behind `npm start`: configuration from the
 * environment, start-up (with a WeChat emulator when no credentials are set),
 * what it prints, and a clean stop on Ctrl-C. Node only.
 */
export {
  DEFAULT_DEV_HOST,
  DEFAULT_DEV_PORT,
  DEFAULT_LOG_LEVEL,
  DEV_SERVER_ENV_VARS,
  DevServerConfigError,
  LOG_LEVELS,
  readDevServerConfig,
} from './config.ts'
export type {
  DevEncryptionConfig,
  DevServerConfig,
  DevServerEnv,
  DevServerEnvVar,
  DevStoreConfig,
  DevWechatConfig,
  LogLevel,
} from './config.ts'
export { DEV_EMULATOR_APP_ID, maskUrlPassword, startDevServer } from './start-dev-server.ts'
export type { DevEncryptionTarget, DevServer, DevStoreTarget, DevWechatTarget, StartDevServerOptions } from './start-dev-server.ts'
export { describeDevServer, startupNotice } from './banner.ts'
export { lanIPv4Addresses, reachableUrls } from './reachable-urls.ts'
export type { ReachableUrls } from './reachable-urls.ts'
export { SHUTDOWN_SIGNALS, stopOnSignals } from './stop-on-signals.ts'
export type { Closable, ShutdownProcess, ShutdownSignal, StopOnSignalsOptions } from './stop-on-signals.ts'
export { DEMO_ME_PATH, registerDemoRoutes } from './demo-routes.ts'
