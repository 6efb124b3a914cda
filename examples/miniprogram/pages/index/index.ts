import type { PhoneNumber, Unsubscribe } from 'miniprogram-login'
import type { AppOption } from '../../app-option'
import { describeFailure, describeLogin, type LoginView } from '../../login-view'
import { onNeedPrivacyAuthorization, type PrivacyResolve } from '../../privacy'

/** The authenticated API this page calls (see docs/miniprogram.md for the server side). */
const ME_PATH = '/api/me'
/** The id of the privacy agree button: WeChat checks that this very button was tapped. */
const AGREE_BUTTON_ID = 'agree-btn'

interface IndexData extends LoginView {
  /** `loading` while `GET /api/me` runs, then `done` or `error`. */
  apiStatus: 'idle' | 'loading' | 'done' | 'error'
  /** What the API answered: the WeChat user's openid. */
  openid: string
  apiError: string
  /** `binding` while the number goes to the server, then `bound` or `error`. */
  phoneStatus: 'idle' | 'binding' | 'bound' | 'error'
  /** The bound number, masked (`138****8000`). */
  phoneNumber: string
  phoneError: string
  /** WeChat asked for the privacy agreement: the prompt is shown. */
  showPrivacy: boolean
}

interface IndexMethods {
  unsubscribe: Unsubscribe | null
  resolvePrivacy: PrivacyResolve | null
  loadMe(): Promise<void>
  onCallAgainTap(): void
  onLogoutTap(): void
  onGetPhoneNumber(event: WechatMiniprogram.ButtonGetPhoneNumber): Promise<void>
  onAgreePrivacy(): void
  onDisagreePrivacy(): void
}

function openidOf(data: unknown): string | undefined {
  const openid = typeof data === 'object' && data !== null ? (data as { openid?: unknown }).openid : undefined
  return typeof openid === 'string' && openid !== '' ? openid : undefined
}

/** Enough of the number for its owner to recognise it, and no more on the screen. */
function masked(phone: PhoneNumber): string {
  const digits = phone.purePhoneNumber
  return digits.length > 7 ? `${digits.slice(0, 3)}****${digits.slice(-4)}` : digits
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
    phoneStatus: 'idle',
    phoneNumber: '',
    phoneError: '',
    showPrivacy: false,
  },

  unsubscribe: null,
  resolvePrivacy: null,

  onLoad() {
    const { auth } = getApp<AppOption>()
    this.setData(describeLogin(auth.getSnapshot()))
    this.unsubscribe = auth.subscribe((snapshot) => this.setData(describeLogin(snapshot)))
    // The phone-number button waits until the user answers this prompt.
    onNeedPrivacyAuthorization((resolve) => {
      this.resolvePrivacy = resolve
      this.setData({ showPrivacy: true })
    })
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

  /** The button's answer goes to the server as it is: a code, or why there is none (declined, quota used up). */
  async onGetPhoneNumber(event) {
    const { auth } = getApp<AppOption>()
    this.setData({ phoneStatus: 'binding', phoneError: '' })
    try {
      const phone = await auth.bindPhoneNumber(event.detail)
      this.setData({ phoneStatus: 'bound', phoneNumber: masked(phone) })
    } catch (error) {
      this.setData({ phoneStatus: 'error', phoneError: describeFailure(error) })
    }
  },

  onAgreePrivacy() {
    this.resolvePrivacy?.({ event: 'agree', buttonId: AGREE_BUTTON_ID })
    this.resolvePrivacy = null
    this.setData({ showPrivacy: false })
  },

  onDisagreePrivacy() {
    this.resolvePrivacy?.({ event: 'disagree' })
    this.resolvePrivacy = null
    this.setData({ showPrivacy: false })
  },
})
