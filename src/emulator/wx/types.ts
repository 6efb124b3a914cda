/** The part of WeChat's `wx` that the login library uses, with the real signatures. */
export type SimulatedWxApi = Pick<
  WechatMiniprogram.Wx,
  'login' | 'checkSession' | 'getStorageSync' | 'setStorageSync' | 'removeStorageSync' | 'request'
>

export type SimulatedWxApiName = keyof SimulatedWxApi

export interface StorageLimits {
  /** Largest stored size of one key's data. WeChat: 1 MB. */
  perKeyBytes: number
  /** Largest stored size of all keys together. WeChat: 10 MB. */
  totalBytes: number
}

/** Knobs of the simulated device, for tests. */
export interface SimulatedWxControls {
  /** The WeChat user this device is logged in as. */
  readonly openid: string
  /** The storage behind `*StorageSync`; hand it to a new simulated wx to simulate a relaunch. */
  readonly storage: Map<string, unknown>
  /** How many times each API was called (a snapshot). */
  readonly calls: Readonly<Record<SimulatedWxApiName, number>>
  resetCalls(): void
  /** While on, `login`, `checkSession` and `request` fail with `…:fail net::ERR_INTERNET_DISCONNECTED`. */
  setOffline(on: boolean): void
  /** While on, every `setStorageSync` throws as a full storage does. */
  setStorageFull(on: boolean): void
  /** The next `count` `wx.login` calls fail with `login:fail system error` without reaching WeChat. */
  failNextLogin(count: number): void
}

export type SimulatedWx = SimulatedWxApi & { readonly sim: SimulatedWxControls }

export interface SimulatedWxOptions {
  /** The emulator's `url`. */
  emulatorUrl: string
  /** The user of this device; default a new random openid. */
  openid?: string
  /** Shared storage (survives a simulated relaunch); default a new empty Map. */
  storage?: Map<string, unknown>
  /** Default WeChat's 1 MB per key and 10 MB in all. */
  storageLimits?: Partial<StorageLimits>
  /** Timeout of `request` and `login` when the caller gives none, and of `checkSession`. Default 60 000 like WeChat. */
  defaultTimeoutMs?: number
  /**
   * Receives what a `success`/`fail`/`complete` callback threw. WeChat reports
   * such errors globally without breaking the API; the default rethrows them
   * outside the call (an uncaught exception) so a test cannot miss them.
   */
  onCallbackError?: (error: unknown, api: SimulatedWxApiName) => void
}
