/**
 * What the client and the developer server agree on: the session shape, the
 * routes, the error codes on both sides, and how a failed step backs off.
 * Imported by the machine, the client and the server; imports nothing but itself.
 */
export { LoginError, LOGIN_ERROR_CODES, isLoginError, isLoginErrorCode, toLoginError } from './login-error.ts'
export type { LoginErrorCode, LoginErrorOptions } from './login-error.ts'
export { isEpochMs, isSessionShape, toSession } from './session.ts'
export type { Session } from './session.ts'
export { AUTH_ROUTES } from './routes.ts'
export type { AuthRoutes } from './routes.ts'
export { CLIENT_CODE_OF_SERVER_ERROR, SERVER_ERROR_CODES, isServerErrorCode } from './http-errors.ts'
export type { ErrorBody, ServerErrorCode } from './http-errors.ts'
export { backoffDelay } from './backoff.ts'
export type { BackoffInput, BackoffPolicy } from './backoff.ts'
export { parseJsonObject } from './json-object.ts'
export { isPhoneNumber } from './phone-number.ts'
export type { PhoneNumber } from './phone-number.ts'
