import type { Unsubscribe } from 'miniprogram-login'
import type { AppOption } from '../../app-option'
import { describeFailure, describeLogin, type LoginView } from '../../login-view'

interface LogoutData extends LoginView {
  loggingOut: boolean
  /** The logout finished on this page. */
  loggedOut: boolean
  /** The server could not be told; locally the user is logged out all the same. */
  logoutError: string
}

interface LogoutMethods {
  unsubscribe: Unsubscribe | null
  stopListening: (() => void) | null
  onLogoutTap(): Promise<void>
  onLoginAgainTap(): void
}

Page<LogoutData, LogoutMethods>({
  data: {
    loginState: 'idle',
    loggedIn: false,
    busy: false,
    expiresAt: '',
    loginError: '',
    loggingOut: false,
    loggedOut: false,
    logoutError: '',
  },

  unsubscribe: null,
  stopListening: null,

  onLoad() {
    const { auth } = getApp<AppOption>()
    this.setData(describeLogin(auth.getSnapshot()))
    this.unsubscribe = auth.subscribe((snapshot) => this.setData(describeLogin(snapshot)))
    this.stopListening = auth.on('logout_error', ({ error }) => this.setData({ logoutError: describeFailure(error) }))
  },

  onUnload() {
    this.unsubscribe?.()
    this.stopListening?.()
    this.unsubscribe = null
    this.stopListening = null
  },

  /** The session is gone locally at once; `logout()` resolves once the server was told (or could not be). */
  async onLogoutTap() {
    const { auth } = getApp<AppOption>()
    this.setData({ loggingOut: true, logoutError: '' })
    try {
      await auth.logout()
    } finally {
      this.setData({ loggingOut: false, loggedOut: true })
    }
  },

  onLoginAgainTap() {
    // A logout is final until the app asks for a login again: this tap is that ask. The home page then
    // waits for the login with request().
    getApp<AppOption>().auth.start()
    void wx.reLaunch({ url: '/pages/index/index' })
  },
})
