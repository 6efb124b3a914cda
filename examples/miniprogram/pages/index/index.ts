import type { Unsubscribe } from 'miniprogram-login'
import type { AppOption } from '../../app-option'
import { describeFailure, describeLogin, type LoginView } from '../../login-view'

/** The authenticated API this page calls (see docs/miniprogram.md for the server side). */
const ME_PATH = '/api/me'

interface IndexData extends LoginView {
  /** `loading` while `GET /api/me` runs, then `done` or `error`. */
  apiStatus: 'idle' | 'loading' | 'done' | 'error'
  /** What the API answered: the WeChat user's openid. */
  openid: string
  apiError: string
}

interface IndexMethods {
  unsubscribe: Unsubscribe | null
  loadMe(): Promise<void>
  onCallAgainTap(): void
  onLogoutTap(): void
}

function openidOf(data: unknown): string | undefined {
  const openid = typeof data === 'object' && data !== null ? (data as { openid?: unknown }).openid : undefined
  return typeof openid === 'string' && openid !== '' ? openid : undefined
}

Page<IndexData, IndexMethods>({
  data: {
    loginState: 'idle',
    loggedIn: false,
    busy: false,
    expiresAt: '',
    loginError: '',
    apiStatus: 'idle',
    openid: '',
    apiError: '',
  },

  unsubscribe: null,

  onLoad() {
    const { auth } = getApp<AppOption>()
    this.setData(describeLogin(auth.getSnapshot()))
    this.unsubscribe = auth.subscribe((snapshot) => this.setData(describeLogin(snapshot)))
  },

  onShow() {
    void this.loadMe()
  },

  onUnload() {
    this.unsubscribe?.()
    this.unsubscribe = null
  },

  /** `request()` logs in first when needed, and logs in again and retries once if the server answers 401. */
  async loadMe() {
    const { auth } = getApp<AppOption>()
    this.setData({ apiStatus: 'loading', apiError: '' })
    try {
      const response = await auth.request({ url: ME_PATH, method: 'GET' })
      const openid = openidOf(response.data)
      if (response.statusCode === 200 && openid !== undefined) {
        this.setData({ apiStatus: 'done', openid })
      } else {
        this.setData({ apiStatus: 'error', openid: '', apiError: `GET ${ME_PATH} answered HTTP ${response.statusCode}` })
      }
    } catch (error) {
      this.setData({ apiStatus: 'error', openid: '', apiError: describeFailure(error) })
    }
  },

  onCallAgainTap() {
    void this.loadMe()
  },

  onLogoutTap() {
    void wx.navigateTo({ url: '/pages/logout/logout' })
  },
})
