import { createLoginClient, wechatPlatform } from 'miniprogram-login'
import type { AppOption } from './app-option'
import { API_BASE_URL } from './config'

App<AppOption>({
  // Created once, with the app: every page shares it (and its single login flow).
  auth: createLoginClient({
    platform: wechatPlatform(wx),
    server: { baseUrl: API_BASE_URL },
  }),

  onLaunch() {
    // Failures that do not change whether the user is logged in; messages never carry secrets.
    this.auth.on('storage_error', ({ error }) => console.warn(`[login] storage: ${error.message}`))
    this.auth.on('logout_error', ({ error }) => console.warn(`[login] logout: ${error.message}`))
    // Checks the stored session (or logs in) in the background; pages wait with `ensureLogin()` or `request()`.
    this.auth.start()
  },
})
