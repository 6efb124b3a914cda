import type { SimulatedWx } from '../../src/emulator/index.ts'
import type { WechatApi } from '../../src/platform/index.ts'

/** The same `wx`, with `login` reporting each code it hands out. */
export function withCodeObserver(wx: SimulatedWx, onCode: (code: string) => void): WechatApi {
  return {
    checkSession: wx.checkSession.bind(wx),
    request: wx.request.bind(wx),
    getStorageSync: wx.getStorageSync.bind(wx),
    setStorageSync: wx.setStorageSync.bind(wx),
    removeStorageSync: wx.removeStorageSync.bind(wx),
    login: ((option: WechatMiniprogram.LoginOption) =>
      wx.login<WechatMiniprogram.LoginOption>({
        ...option,
        success: (result) => {
          onCode(result.code)
          option.success?.(result)
        },
      })) as WechatApi['login'],
  }
}
