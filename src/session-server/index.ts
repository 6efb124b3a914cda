export {
  DEFAULT_SESSION_SERVER_PATHS,
  httpSessionServer,
  isSessionServer,
  resolveUrl,
  tokenHeaderFor,
} from './http-session-server.ts'
export type { HttpSessionServerConfig, HttpSessionServerOptions, SessionServerPaths } from './http-session-server.ts'
export { errorFromResponse, retryAfterMs } from './http-errors.ts'
export { isSessionShape, toSession } from './session-shape.ts'
export type { Session, SessionServer } from './types.ts'
