import { afterEach, describe, expect, it } from 'vitest'
import { CHECK_SESSION_EXPIRED_ERRMSG, createSimulatedWx, WX_ERRNO } from '../../src/emulator/index.ts'
import { callbacksOf, code2Session, makeEmulators, validParams } from './support.ts'

type LoginSuccess = WechatMiniprogram.LoginSuccessCallbackResult
type LoginFailure = WechatMiniprogram.LoginFailCallbackErr
type General = WechatMiniprogram.GeneralCallbackResult

const emulators = makeEmulators()
afterEach(() => emulators.closeAll())

describe('simulated wx.login', () => {
  it('calls success with { code, errMsg: "login:ok" }, then complete, once each', async () => {
    const emulator = await emulators.start()
    const wx = createSimulatedWx({ emulatorUrl: emulator.url, openid: 'oDevice-login' })

    const calls = await callbacksOf<LoginSuccess, LoginFailure>((cb) => wx.login(cb))

    expect(calls.fail).toEqual([])
    expect(calls.success).toHaveLength(1)
    expect(calls.success[0]).toEqual({ code: expect.stringMatching(/^[A-Za-z0-9]{32}$/), errMsg: 'login:ok' })
    expect(calls.complete).toEqual(calls.success)
  })

  it('gives a code the developer server can trade for this device’s openid', async () => {
    const emulator = await emulators.start()
    const wx = createSimulatedWx({ emulatorUrl: emulator.url, openid: 'oDevice-trade' })

    const { code } = await wx.login()
    const { body } = await code2Session(emulator, validParams(code))

    expect(body.openid).toBe('oDevice-trade')
    expect(wx.sim.openid).toBe('oDevice-trade')
    expect(emulator.stats().login).toBe(1)
  })

  it('is a new random user when no openid is given', async () => {
    const emulator = await emulators.start()
    const first = createSimulatedWx({ emulatorUrl: emulator.url })
    const second = createSimulatedWx({ emulatorUrl: emulator.url })

    expect(first.sim.openid).toMatch(/^o[A-Za-z0-9_-]{27}$/)
    expect(first.sim.openid).not.toBe(second.sim.openid)
  })

  it('returns a promise when called without callbacks', async () => {
    const emulator = await emulators.start()
    const wx = createSimulatedWx({ emulatorUrl: emulator.url })

    const withCallbacks = wx.login({ success: () => {} })
    const result = await wx.login()

    expect(withCallbacks).toBeUndefined()
    expect(result.errMsg).toBe('login:ok')
  })

  it('fails with "login:fail timeout" when WeChat does not answer within timeout', async () => {
    const emulator = await emulators.start({ latencyMs: 5_000 })
    const wx = createSimulatedWx({ emulatorUrl: emulator.url })

    const calls = await callbacksOf<LoginSuccess, LoginFailure>((cb) => wx.login({ timeout: 30, ...cb }))

    expect(calls.success).toEqual([])
    expect(calls.fail).toEqual([{ errMsg: 'login:fail timeout', errno: WX_ERRNO.timeout }])
    expect(calls.complete).toHaveLength(1)
  })

  it('rejects the promise with the fail result', async () => {
    const emulator = await emulators.start({ latencyMs: 5_000 })
    const wx = createSimulatedWx({ emulatorUrl: emulator.url })

    await expect(wx.login({ timeout: 30 })).rejects.toEqual({ errMsg: 'login:fail timeout', errno: WX_ERRNO.timeout })
  })

  it('fails with a login:fail network error when WeChat cannot be reached', async () => {
    const emulator = await emulators.start()
    const wx = createSimulatedWx({ emulatorUrl: emulator.url })
    await emulator.close()

    const calls = await callbacksOf<LoginSuccess, LoginFailure>((cb) => wx.login(cb))

    expect(calls.fail).toEqual([{ errMsg: 'login:fail net::ERR_CONNECTION_REFUSED', errno: WX_ERRNO.networkError }])
    expect(calls.complete).toHaveLength(1)
  })

  it('fails while offline without reaching WeChat', async () => {
    const emulator = await emulators.start()
    const wx = createSimulatedWx({ emulatorUrl: emulator.url })
    wx.sim.setOffline(true)

    await expect(wx.login()).rejects.toMatchObject({ errMsg: 'login:fail net::ERR_INTERNET_DISCONNECTED' })
    wx.sim.setOffline(false)
    await expect(wx.login()).resolves.toMatchObject({ errMsg: 'login:ok' })
    expect(emulator.stats().login).toBe(1)
  })

  it('failNextLogin makes the next logins fail with "login:fail system error"', async () => {
    const emulator = await emulators.start()
    const wx = createSimulatedWx({ emulatorUrl: emulator.url })
    wx.sim.failNextLogin(2)

    const outcomes = []
    for (let i = 0; i < 3; i++)
      outcomes.push(
        await wx.login().then(
          (r) => r.errMsg,
          (e: LoginFailure) => e.errMsg,
        ),
      )

    expect(outcomes).toEqual(['login:fail system error', 'login:fail system error', 'login:ok'])
    expect(() => wx.sim.failNextLogin(-1)).toThrow(RangeError)
  })

  it('answers a bad timeout with a parameter error through fail', async () => {
    const emulator = await emulators.start()
    const wx = createSimulatedWx({ emulatorUrl: emulator.url })

    const calls = await callbacksOf<LoginSuccess, LoginFailure>((cb) => wx.login({ timeout: -1, ...cb }))

    expect(calls.fail[0]?.errMsg).toMatch(/^login:fail parameter error: parameter\.timeout/)
    expect(calls.complete).toHaveLength(1)
  })

  it('still calls complete when success throws, and reports what was thrown', async () => {
    const emulator = await emulators.start()
    const reported: Array<{ error: unknown; api: string }> = []
    const wx = createSimulatedWx({ emulatorUrl: emulator.url, onCallbackError: (error, api) => reported.push({ error, api }) })
    const boom = new Error('bug in the success callback')

    const calls = await callbacksOf<LoginSuccess, LoginFailure>((cb) =>
      wx.login({
        success: () => {
          throw boom
        },
        complete: cb.complete,
      }),
    )

    expect(calls.complete).toHaveLength(1)
    expect(reported).toEqual([{ error: boom, api: 'login' }])
  })

  it('counts its calls', async () => {
    const emulator = await emulators.start()
    const wx = createSimulatedWx({ emulatorUrl: emulator.url })

    await wx.login()
    await wx.login()
    await wx.checkSession()

    expect(wx.sim.calls).toMatchObject({ login: 2, checkSession: 1, request: 0 })
    wx.sim.resetCalls()
    expect(wx.sim.calls.login).toBe(0)
  })
})

describe('simulated wx.checkSession', () => {
  it('succeeds with "checkSession:ok" after a login', async () => {
    const emulator = await emulators.start()
    const wx = createSimulatedWx({ emulatorUrl: emulator.url })
    await wx.login()

    const calls = await callbacksOf<General, General>((cb) => wx.checkSession(cb))

    expect(calls.success).toEqual([{ errMsg: 'checkSession:ok' }])
    expect(calls.fail).toEqual([])
    expect(calls.complete).toHaveLength(1)
  })

  it('fails before any login', async () => {
    const emulator = await emulators.start()
    const wx = createSimulatedWx({ emulatorUrl: emulator.url })

    const calls = await callbacksOf<General, General>((cb) => wx.checkSession(cb))

    expect(calls.fail).toEqual([{ errMsg: CHECK_SESSION_EXPIRED_ERRMSG }])
    expect(CHECK_SESSION_EXPIRED_ERRMSG).toBe('checkSession:fail session time out, need relogin')
  })

  it('fails once WeChat expired the session, and succeeds again after the next login', async () => {
    const emulator = await emulators.start()
    const wx = createSimulatedWx({ emulatorUrl: emulator.url })
    await wx.login()

    emulator.expireSession(wx.sim.openid)
    await expect(wx.checkSession()).rejects.toEqual({ errMsg: 'checkSession:fail session time out, need relogin' })
    await wx.login()
    await expect(wx.checkSession()).resolves.toEqual({ errMsg: 'checkSession:ok' })
    expect(emulator.stats().checkSession).toBe(2)
  })

  it('sees a login made on WeChat’s side for the same user', async () => {
    const emulator = await emulators.start()
    const wx = createSimulatedWx({ emulatorUrl: emulator.url, openid: 'oDevice-shared' })

    await emulator.issueCode('oDevice-shared')

    await expect(wx.checkSession()).resolves.toEqual({ errMsg: 'checkSession:ok' })
  })

  it('fails with a network errMsg when WeChat cannot be reached', async () => {
    const emulator = await emulators.start()
    const wx = createSimulatedWx({ emulatorUrl: emulator.url })
    await emulator.close()

    await expect(wx.checkSession()).rejects.toEqual({ errMsg: 'checkSession:fail net::ERR_CONNECTION_REFUSED' })
  })
})

describe('createSimulatedWx', () => {
  it('rejects bad options with typed errors', () => {
    expect(() => createSimulatedWx({ emulatorUrl: 'not a url' })).toThrow(TypeError)
    expect(() => createSimulatedWx({ emulatorUrl: 'ftp://127.0.0.1' })).toThrow(TypeError)
    expect(() => createSimulatedWx({ emulatorUrl: 'http://127.0.0.1:1', openid: '' })).toThrow(TypeError)
    expect(() => createSimulatedWx({ emulatorUrl: 'http://127.0.0.1:1', defaultTimeoutMs: 0 })).toThrow(RangeError)
    expect(() => createSimulatedWx({ emulatorUrl: 'http://127.0.0.1:1', storage: {} as Map<string, unknown> })).toThrow(TypeError)
  })
})
