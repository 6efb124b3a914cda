import type { LoginClient } from 'miniprogram-login'

/** What `App()` adds to the app instance: pages reach it with `getApp<AppOption>()`. */
export interface AppOption {
  /** The one login client of the mini-program. */
  auth: LoginClient
}
