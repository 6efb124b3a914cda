import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { LoginError } from '../../src/contract/index.ts'
import { DEFAULT_PLATFORM_TIMEOUTS, wechatPlatform } from '../../src/platform/index.ts'
import { fakeWx } from './fakes/fake-wx.ts'
import { rejectionOf, valueOf, watch } from './fakes/outcome.ts'

const TOKEN = 'tok_9f8e7d6c5b4a39281706'

beforeEach(() => {
  vi.useFakeTimers()
})

afterEach(() => {
  vi.useRealTimers()
})

describe('wechatPlatform: login', () => {
  it('resolves the code wx.login answers and hands wx.login the timeout', async () => {
    const fake = fakeWx({ login: { kind: 'code', code: 'wx-code-42' } })
    const call = watch(wechatPlatform(fake.wx).login({ timeout: 3_000 }))
    await vi.advanceTimersByTimeAsync(0)
    expect(valueOf(call)).toEqual({ code: 'wx-code-42' })
    expect(fake.loginCalls[0]?.timeout).toBe(3_000)
  })

  it('rejects wx_login_failed, keeping the errMsg, when wx.login fails', async () => {
    const fake = fakeWx({ login: { kind: 'fail', message: 'login:fail auth deny' } })
    const call = watch(wechatPlatform(fake.wx).login({ timeout: 1_000 }))
    await vi.advanceTimersByTimeAsync(0)
    const error = rejectionOf(call)
    expect(error.code).toBe('wx_login_failed')
    expect(error.message).toContain('login:fail auth deny')
    expect(error.transient).toBe(true)
  })

  it('rejects wx_login_failed when wx.login succeeds without a code', async () => {
    const fake = fakeWx({ login: { kind: 'no-code' } })
    const call = watch(wechatPlatform(fake.wx).login({ timeout: 1_000 }))
    await vi.advanceTimersByTimeAsync(0)
    const error = rejectionOf(call)
    expect(error.code).toBe('wx_login_failed')
    expect(error.message).toContain('login:ok')
  })

  it("rejects timeout when wx.login's own timeout fails it", async () => {
    const fake = fakeWx({ login: { kind: 'code', code: 'late', delayMs: 5_000 } })
    const call = watch(wechatPlatform(fake.wx).login({ timeout: 2_000 }))
    await vi.advanceTimersByTimeAsync(2_000)
    const error = rejectionOf(call)
    expect(error.code).toBe('timeout')
  })

  it('settles with timeout when wx.login never calls back, and not before', async () => {
    const fake = fakeWx({ login: { kind: 'hang' } })
    const call = watch(wechatPlatform(fake.wx).login({ timeout: 1_500 }))
    await vi.advanceTimersByTimeAsync(1_499)
    expect(call.now().settled).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    const error = rejectionOf(call)
    expect(error.code).toBe('timeout')
    expect(error.message).toBe('wx.login did not answer within 1500 ms')
  })

  it('ignores a success (and complete) that arrives after the timeout', async () => {
    const fake = fakeWx({ login: { kind: 'hang' } })
    const call = watch(wechatPlatform(fake.wx).login({ timeout: 100 }))
    await vi.advanceTimersByTimeAsync(100)
    const option = fake.loginCalls[0]
    expect(() => {
      option?.success?.({ code: 'too-late', errMsg: 'login:ok' })
      option?.complete?.({ errMsg: 'login:ok' })
    }).not.toThrow()
    await vi.advanceTimersByTimeAsync(0)
    expect(rejectionOf(call).code).toBe('timeout')
  })

  it('keeps the first answer when wx calls back twice', async () => {
    const fake = fakeWx({ login: { kind: 'hang' } })
    const call = watch(wechatPlatform(fake.wx).login({ timeout: 100 }))
    const option = fake.loginCalls[0]
    option?.success?.({ code: 'first', errMsg: 'login:ok' })
    option?.fail?.({ errMsg: 'login:fail second', errno: 1 })
    await vi.advanceTimersByTimeAsync(200)
    expect(valueOf(call)).toEqual({ code: 'first' })
  })

  it('rejects wx_login_failed when wx.login throws', async () => {
    const fake = fakeWx()
    const wx: WechatMiniprogram.Wx = {
      ...fake.wx,
      login: (() => {
        throw new TypeError('wx.login is not a function')
      }) as WechatMiniprogram.Wx['login'],
    }
    const call = watch(wechatPlatform(wx).login({ timeout: 100 }))
    await vi.advanceTimersByTimeAsync(0)
    const error = rejectionOf(call)
    expect(error.code).toBe('wx_login_failed')
    expect(error.cause).toBeInstanceOf(TypeError)
  })

  it.each([0, -5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 31])(
    'rejects invalid_request for a timeout of %s without calling wx.login',
    async (timeout) => {
      const fake = fakeWx()
      const call = watch(wechatPlatform(fake.wx).login({ timeout }))
      await vi.advanceTimersByTimeAsync(0)
      expect(rejectionOf(call).code).toBe('invalid_request')
      expect(fake.loginCalls).toHaveLength(0)
    },
  )
})

describe('wechatPlatform: checkSession', () => {
  it('resolves while the WeChat session is alive', async () => {
    const fake = fakeWx({ session: { kind: 'alive' } })
    const call = watch(wechatPlatform(fake.wx).checkSession())
    await vi.advanceTimersByTimeAsync(0)
    expect(call.now()).toEqual({ settled: true, ok: true, value: undefined })
  })

  it('rejects unauthorized, keeping the errMsg, when the session expired', async () => {
    const fake = fakeWx({ session: { kind: 'expired' } })
    const call = watch(wechatPlatform(fake.wx).checkSession())
    await vi.advanceTimersByTimeAsync(0)
    const error = rejectionOf(call)
    expect(error.code).toBe('session_expired')
    expect(error.message).toContain('checkSession:fail')
  })

  it('rejects timeout after the default checkSession timeout when wx never answers', async () => {
    const fake = fakeWx({ session: { kind: 'hang' } })
    const call = watch(wechatPlatform(fake.wx).checkSession())
    await vi.advanceTimersByTimeAsync(DEFAULT_PLATFORM_TIMEOUTS.checkSession - 1)
    expect(call.now().settled).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    expect(rejectionOf(call).code).toBe('timeout')
  })

  it('uses the checkSession timeout it was given', async () => {
    const fake = fakeWx({ session: { kind: 'hang' } })
    const call = watch(wechatPlatform(fake.wx, { timeouts: { checkSession: 250 } }).checkSession())
    await vi.advanceTimersByTimeAsync(250)
    expect(rejectionOf(call).message).toBe('wx.checkSession did not answer within 250 ms')
  })
})

describe('wechatPlatform: request', () => {
  it('resolves a 200 with its data and headers, and sends what it was given', async () => {
    const fake = fakeWx({
      respond: () => ({
        kind: 'answer',
        statusCode: 200,
        data: { token: 't', expiresAt: 1 },
        header: { 'Content-Type': 'application/json' },
      }),
    })
    const call = watch(
      wechatPlatform(fake.wx).request({
        url: 'https://api.example.com/auth/login',
        method: 'post',
        data: { code: 'c' },
        header: { 'X-Trace': '1' },
        timeout: 4_000,
      }),
    )
    await vi.advanceTimersByTimeAsync(0)
    expect(valueOf(call)).toEqual({ statusCode: 200, data: { token: 't', expiresAt: 1 }, header: { 'Content-Type': 'application/json' } })
    expect(fake.requests[0]?.options).toMatchObject({
      url: 'https://api.example.com/auth/login',
      method: 'POST',
      data: { code: 'c' },
      header: { 'X-Trace': '1' },
      timeout: 4_000,
    })
  })

  it.each([401, 429, 500, 503])('resolves HTTP %s instead of rejecting (WeChat reports it in success)', async (statusCode) => {
    const fake = fakeWx({ respond: () => ({ kind: 'answer', statusCode, data: { error: 'session_expired' } }) })
    const call = watch(wechatPlatform(fake.wx).request({ url: 'https://api.example.com/auth/session', method: 'POST' }))
    await vi.advanceTimersByTimeAsync(0)
    expect(valueOf(call)).toMatchObject({ statusCode, data: { error: 'session_expired' } })
  })

  it('uses the default request timeout when the call gives none', async () => {
    const fake = fakeWx()
    const call = watch(wechatPlatform(fake.wx).request({ url: 'https://api.example.com/' }))
    await vi.advanceTimersByTimeAsync(0)
    expect(call.now().settled).toBe(true)
    expect(fake.requests[0]?.options.timeout).toBe(DEFAULT_PLATFORM_TIMEOUTS.request)
  })

  it('rejects timeout when wx.request fails with request:fail timeout', async () => {
    const fake = fakeWx({ respond: () => ({ kind: 'slow' }) })
    const call = watch(wechatPlatform(fake.wx).request({ url: 'https://api.example.com/', timeout: 20_000 }))
    await vi.advanceTimersByTimeAsync(20_000)
    const error = rejectionOf(call)
    expect(error.code).toBe('timeout')
  })

  it('rejects network, keeping the errMsg, for any other wx.request failure', async () => {
    const fake = fakeWx({ respond: () => ({ kind: 'unreachable' }) })
    const call = watch(wechatPlatform(fake.wx).request({ url: 'https://api.example.com/' }))
    await vi.advanceTimersByTimeAsync(0)
    const error = rejectionOf(call)
    expect(error.code).toBe('network')
    expect(error.message).toContain('request:fail ssl hand shake error')
  })

  it('rejects network (transient) when wx.request calls success with statusCode 0: no HTTP answer came', async () => {
    const fake = fakeWx({ respond: () => ({ kind: 'hang' }) })
    const call = watch(wechatPlatform(fake.wx).request({ url: 'https://api.example.com/' }))
    await vi.advanceTimersByTimeAsync(0)
    const noAnswer: Partial<WechatMiniprogram.RequestSuccessCallbackResult> = { statusCode: 0, data: '', header: {}, errMsg: 'request:ok' }
    fake.requests[0]?.options.success?.(noAnswer as WechatMiniprogram.RequestSuccessCallbackResult)
    await vi.advanceTimersByTimeAsync(0)
    const error = rejectionOf(call)
    expect(error).toMatchObject({ code: 'network', transient: true })
    expect(error.message).toContain('status 0')
  })

  it('settles with timeout and aborts the task when wx.request never calls back', async () => {
    const fake = fakeWx({ respond: () => ({ kind: 'hang' }) })
    const call = watch(wechatPlatform(fake.wx).request({ url: 'https://api.example.com/', timeout: 700 }))
    await vi.advanceTimersByTimeAsync(699)
    expect(call.now().settled).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    expect(rejectionOf(call).code).toBe('timeout')
    expect(fake.requests[0]?.aborted).toBe(true)
  })

  it('ignores the late success of a request it gave up on', async () => {
    const fake = fakeWx({ respond: () => ({ kind: 'hang' }) })
    const call = watch(wechatPlatform(fake.wx).request({ url: 'https://api.example.com/', timeout: 50 }))
    await vi.advanceTimersByTimeAsync(50)
    const options = fake.requests[0]?.options
    const late: Partial<WechatMiniprogram.RequestSuccessCallbackResult> = { statusCode: 200, data: {}, header: {}, errMsg: 'request:ok' }
    options?.success?.(late as WechatMiniprogram.RequestSuccessCallbackResult)
    await vi.advanceTimersByTimeAsync(0)
    expect(rejectionOf(call).code).toBe('timeout')
  })

  it.each([
    ['no url', { url: '' }],
    ['an unknown method', { url: 'https://api.example.com/', method: 'BREW' }],
    ['a header that is not a string', { url: 'https://api.example.com/', header: { 'X-Count': 3 as unknown as string } }],
    ['a body that is a number', { url: 'https://api.example.com/', data: 42 }],
    ['a bad timeout', { url: 'https://api.example.com/', timeout: -1 }],
  ])('rejects invalid_request for %s without calling wx.request', async (_, opts) => {
    const fake = fakeWx()
    const call = watch(wechatPlatform(fake.wx).request(opts))
    await vi.advanceTimersByTimeAsync(0)
    expect(rejectionOf(call).code).toBe('invalid_request')
    expect(fake.requests).toHaveLength(0)
  })

  it('never puts the bearer token or the body into an error message', async () => {
    const fake = fakeWx({ respond: () => ({ kind: 'hang' }) })
    const platform = wechatPlatform(fake.wx)
    const call = watch(
      platform.request({
        url: 'https://api.example.com/auth/session',
        method: 'POST',
        header: { Authorization: `Bearer ${TOKEN}` },
        data: { code: 'login-code-123456' },
      }),
    )
    const options = fake.requests[0]?.options
    // A runtime that echoes what it was sending into its errMsg.
    options?.fail?.({
      errMsg: `request:fail Authorization: Bearer ${TOKEN} body {"code":"login-code-123456"}`,
      errno: 1,
    } as WechatMiniprogram.RequestFailCallbackErr)
    await vi.advanceTimersByTimeAsync(0)
    const error = rejectionOf(call)
    expect(error.code).toBe('network')
    expect(error.message).not.toContain(TOKEN)
    expect(error.message).not.toContain('login-code-123456')
    expect(JSON.stringify(error)).not.toContain(TOKEN)
  })

  it('leaves no part of a secret that the echo puts where the message is cut short', async () => {
    const code = '0a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P'
    const fake = fakeWx({ respond: () => ({ kind: 'hang' }) })
    const call = watch(wechatPlatform(fake.wx).request({ url: 'https://api.example.com/auth/login', method: 'POST', data: { code } }))
    // The code starts at character 185 of the echo: a cut at 200 before redaction left its first 15 characters.
    const echo = `request:fail parameter error: ${'y'.repeat(140)} data={"code":"${code}"}`
    fake.requests[0]?.options.fail?.({ errMsg: echo, errno: 1 } as WechatMiniprogram.RequestFailCallbackErr)
    await vi.advanceTimersByTimeAsync(0)
    const error = rejectionOf(call)
    expect(error.code).toBe('network')
    expect(error.message).toContain('[redacted]')
    expect(error.message).not.toContain(code.slice(0, 8))
  })

  it.each(['request:fail -7:net::ERR_TIMED_OUT', 'request:fail net::ERR_CONNECTION_TIMED_OUT', 'request:fail 请求超时。'])(
    'reads %s as a timeout',
    async (errMsg) => {
      const fake = fakeWx({ respond: () => ({ kind: 'hang' }) })
      const call = watch(wechatPlatform(fake.wx).request({ url: 'https://api.example.com/x' }))
      fake.requests[0]?.options.fail?.({ errMsg, errno: 1 } as WechatMiniprogram.RequestFailCallbackErr)
      await vi.advanceTimersByTimeAsync(0)
      expect(rejectionOf(call)).toMatchObject({ code: 'timeout', transient: true })
    },
  )
})

describe('wechatPlatform: storage', () => {
  it('reads a missing key (WeChat answers an empty string) as undefined', () => {
    const { storage } = wechatPlatform(fakeWx().wx)
    expect(storage.get('session')).toBeUndefined()
  })

  it('writes, reads back and removes a value', () => {
    const fake = fakeWx()
    const { storage } = wechatPlatform(fake.wx)
    storage.set('session', { token: TOKEN, expiresAt: 5 })
    expect(storage.get('session')).toEqual({ token: TOKEN, expiresAt: 5 })
    storage.remove('session')
    expect(storage.get('session')).toBeUndefined()
    expect(fake.store.entries.size).toBe(0)
  })

  it('turns a throwing setStorageSync (storage full) into storage_error with the cause, and no secret in the message', () => {
    const fake = fakeWx({ storageBudgetBytes: 16 })
    const { storage } = wechatPlatform(fake.wx)
    let caught: unknown
    try {
      storage.set('session', { token: TOKEN })
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(LoginError)
    const error = caught as LoginError
    expect(error.code).toBe('storage_error')
    expect(error.message).toContain('setStorageSync:fail exceed storage max size')
    expect(error.message).not.toContain(TOKEN)
    expect(error.cause).toBeInstanceOf(Error)
  })

  it('redacts the value when the runtime echoes it in its failure', () => {
    const fake = fakeWx()
    const wx: WechatMiniprogram.Wx = {
      ...fake.wx,
      setStorageSync: () => {
        throw new Error(`setStorageSync:fail cannot store {"token":"${TOKEN}"}`)
      },
    }
    expect(() => wechatPlatform(wx).storage.set('session', { token: TOKEN })).toThrow(
      expect.objectContaining({ code: 'storage_error', message: expect.not.stringContaining(TOKEN) as unknown }),
    )
  })

  it('turns a throwing getStorageSync into storage_error', () => {
    const { storage } = wechatPlatform(fakeWx({ brokenReads: true }).wx)
    expect(() => storage.get('session')).toThrow(
      expect.objectContaining({ code: 'storage_error', message: expect.stringContaining('data corrupted') as unknown }),
    )
  })

  it('refuses an empty key and an undefined value with storage_error', () => {
    const { storage } = wechatPlatform(fakeWx().wx)
    expect(() => storage.get('')).toThrow(expect.objectContaining({ code: 'storage_error' }))
    expect(() => storage.set('session', undefined)).toThrow(expect.objectContaining({ code: 'storage_error' }))
  })
})

describe('wechatPlatform: options', () => {
  it.each([{ login: 0 }, { request: -1 }, { checkSession: Number.NaN }, { login: 2 ** 31 }])(
    'throws a RangeError for timeouts %o',
    (timeouts) => {
      expect(() => wechatPlatform(fakeWx().wx, { timeouts })).toThrow(RangeError)
    },
  )
})
