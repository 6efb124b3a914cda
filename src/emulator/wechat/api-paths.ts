/** The WeChat server APIs the emulator serves, at WeChat's own paths. */
export const CODE2SESSION_PATH = '/sns/jscode2session'
export const STABLE_TOKEN_PATH = '/cgi-bin/stable_token'
export const GET_USER_PHONE_NUMBER_PATH = '/wxa/business/getuserphonenumber'
export const CHECK_SESSION_KEY_PATH = '/wxa/checksession'
export const RESET_SESSION_KEY_PATH = '/wxa/resetusersessionkey'

/** Private endpoints standing in for the WeChat app itself; never part of WeChat's API. */
export const SIM_LOGIN_PATH = '/__sim/login'
export const SIM_CHECK_SESSION_PATH = '/__sim/checkSession'
