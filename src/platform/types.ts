/**
 * What the login flow needs from a mini-program runtime. `wechatPlatform(wx)`
 * implements it over WeChat's `wx`; adapters for other runtimes implement the
 * same shape, and tests implement it with fakes.
 */
export interface PlatformStorage {
  /** Synchronous like `wx.getStorageSync`; may throw. Answers `undefined` for a missing key. */
  get(key: string): unknown
  /** Synchronous like `wx.setStorageSync`; may throw (for instance when storage is full). */
  set(key: string, value: unknown): void
  remove(key: string): void
}

export interface PlatformRequestOptions {
  url: string
  method?: string
  data?: unknown
  header?: Record<string, string>
  /** Milliseconds. */
  timeout?: number
}

export interface PlatformResponse {
  statusCode: number
  data: unknown
  header?: Record<string, string>
}

export interface Platform {
  /** Resolves with a one-time login code (`wx.login`); rejects with a `LoginError`. */
  login(opts: { timeout: number }): Promise<{ code: string }>
  /** Resolves while the platform's own session is alive; rejects when it expired. */
  checkSession(): Promise<void>
  storage: PlatformStorage
  /** Resolves with any HTTP status (4xx and 5xx included); rejects only when no answer came (network, timeout). */
  request(opts: PlatformRequestOptions): Promise<PlatformResponse>
}
