export { LoginError, LOGIN_ERROR_CODES, isLoginError, isLoginErrorCode, toLoginError } from './login-error.ts'
export type { LoginErrorCode, LoginErrorOptions } from './login-error.ts'
