import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Code2SessionError, createCode2SessionClient, wechatEndpoint } from '../../src/server/wechat/index.ts'
import type { Code2SessionClientOptions } from '../../src/server/wechat/index.ts'
import { unusedPort } from '../support/ports.ts'
import { newUser, startTestWechat, type TestWechat } from './helpers/server-fixture.ts'

let wechat: TestWechat

beforeAll(async () => {
  wechat = await startTestWechat()
})

afterAll(async () => {
  await wechat.close()
})

function client(overrides: Partial<Code2SessionClientOptions> = {}) {
  return createCode2SessionClient({
    appId: wechat.appId,
    secret: wechat.secret,
    apiBase: wechat.apiBase,
    retryDelayMs: 1,
    ...overrides,
  })
}

async function failure(promise: Promise<unknown>): Promise<Code2SessionError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  )
  expect(error).toBeInstanceOf(Code2SessionError)
  return error as Code2SessionError
}

/** code2Session calls the emulator receives while `work` runs. */
async function callsDuring(work: () => Promise<unknown>): Promise<number> {
  const before = wechat.stats().code2Session
  await work()
  return wechat.stats().code2Session - before
}

/** A code the emulator issued for a new user (faults queued before the call still come first). */
async function freshCode(): Promise<string> {
  return wechat.codeFor(newUser())
}

describe('createCode2SessionClient', () => {
  it('calls GET /sns/jscode2session with appid, secret, js_code and grant_type=authorization_code', async () => {
    const user = newUser(true)
    const code = await wechat.codeFor(user)
    const identity = await client().exchange(code)
    expect(identity).toEqual({ openid: user.openid, sessionKey: user.sessionKey, unionid: user.unionid })
    // The emulator answers a session only to the app's appid and secret, a code it issued and grant_type=authorization_code.
    expect(wechat.sessionKeyOf(user.openid)).toBe(user.sessionKey)
  })

  it('leaves unionid out when WeChat sends none', async () => {
    const user = newUser(false)
    const identity = await client().exchange(await wechat.codeFor(user))
    expect(identity).toEqual({ openid: user.openid, sessionKey: user.sessionKey })
    expect('unionid' in identity).toBe(false)
  })

  it('accepts a success that carries errcode 0, as WeChat sometimes sends', async () => {
    const code = await freshCode()
    wechat
      .faultsOf('code2Session')
      .answerNextRaw(1, JSON.stringify({ openid: 'o-zero', session_key: 'a2V5a2V5a2V5a2V5a2V5aw==', errcode: 0, errmsg: 'ok' }))
    await expect(client().exchange(code)).resolves.toEqual({ openid: 'o-zero', sessionKey: 'a2V5a2V5a2V5a2V5a2V5aw==' })
  })

  it('retries errcode -1 (system busy) and succeeds', async () => {
    const user = newUser()
    const code = await wechat.codeFor(user)
    wechat.failNext(2, -1)
    const calls = await callsDuring(() => expect(client({ retries: 2 }).exchange(code)).resolves.toMatchObject({ openid: user.openid }))
    expect(calls).toBe(3)
  })

  it('gives up on errcode -1 after the configured retries', async () => {
    const code = await freshCode()
    wechat.failNext(3, -1)
    let error: Code2SessionError | undefined
    const calls = await callsDuring(async () => (error = await failure(client({ retries: 1 }).exchange(code))))
    wechat.clearFaults()
    expect(error).toMatchObject({ failure: 'wechat_error', errcode: -1, attempts: 2 })
    expect(calls).toBe(2)
  })

  it.each([40029, 40163, 45011, 40226, 40013])('does not retry errcode %i', async (errcode) => {
    const code = await freshCode()
    wechat.failNext(1, errcode)
    let error: Code2SessionError | undefined
    const calls = await callsDuring(async () => (error = await failure(client({ retries: 3 }).exchange(code))))
    expect(error).toMatchObject({ failure: 'wechat_error', errcode, attempts: 1 })
    expect(calls).toBe(1)
  })

  it('answers errcode 40029 for a code WeChat never issued', async () => {
    const error = await failure(client().exchange('never-issued'))
    expect(error).toMatchObject({ failure: 'wechat_error', errcode: 40029 })
  })

  it('reports a wrong secret as errcode 40125 without the secret in the error', async () => {
    const user = newUser()
    const error = await failure(client({ secret: 'the-wrong-secret-value' }).exchange(await wechat.codeFor(user)))
    expect(error).toMatchObject({ failure: 'wechat_error', errcode: 40125 })
    const seen = JSON.stringify({ message: error.message, stack: error.stack, error })
    expect(seen).not.toContain('the-wrong-secret-value')
  })

  it('does not retry an HTTP 5xx', async () => {
    const code = await freshCode()
    wechat.failNextWithStatus(1, 502)
    const error = await failure(client({ retries: 3 }).exchange(code))
    expect(error).toMatchObject({ failure: 'bad_status', httpStatus: 502, attempts: 1 })
  })

  it('retries network failures, then reports them', async () => {
    const port = await unusedPort()
    const error = await failure(client({ apiBase: `http://127.0.0.1:${port}`, retries: 2 }).exchange('any-code'))
    expect(error).toMatchObject({ failure: 'network', attempts: 3 })
  })

  it('times out a WeChat that never answers', async () => {
    const code = await freshCode()
    const held = wechat.faultsOf('code2Session').holdNext(1)
    let error: Code2SessionError | undefined
    const calls = await callsDuring(async () => (error = await failure(client({ timeoutMs: 50, retries: 2 }).exchange(code))))
    held.release()
    expect(error).toMatchObject({ failure: 'timeout', attempts: 1 })
    expect(calls).toBe(1)
  })

  it('times out at its deadline even with a fetch of its own that ignores the signal and never answers', async () => {
    const code = await freshCode()
    let calls = 0
    const deaf = (() => {
      calls += 1
      return new Promise<Response>(() => {})
    }) as typeof fetch
    const error = await failure(client({ timeoutMs: 50, retries: 2, fetch: deaf }).exchange(code))
    expect(error).toMatchObject({ failure: 'timeout', attempts: 1 })
    expect(calls).toBe(1)
  })

  it('stops when the caller aborts', async () => {
    const code = await freshCode()
    const held = wechat.faultsOf('code2Session').holdNext(1)
    const controller = new AbortController()
    const pending = client({ timeoutMs: 10_000 }).exchange(code, controller.signal)
    setTimeout(() => controller.abort(), 10)
    const error = await failure(pending)
    held.release()
    expect(error.failure).toBe('aborted')
  })

  it.each([
    ['not JSON', 'Service Unavailable'],
    ['a JSON array', '[]'],
    ['no session_key', JSON.stringify({ openid: 'o' })],
    ['no openid', JSON.stringify({ session_key: 'k' })],
    ['a numeric unionid', JSON.stringify({ openid: 'o', session_key: 'k', unionid: 7 })],
  ])('rejects an answer that is %s as invalid_response', async (_, raw) => {
    const code = await freshCode()
    wechat.faultsOf('code2Session').answerNextRaw(1, raw)
    const error = await failure(client().exchange(code))
    expect(error.failure).toBe('invalid_response')
  })

  it('rejects bad input with a TypeError before calling WeChat', async () => {
    const before = wechat.stats().code2Session
    await expect(client().exchange('')).rejects.toBeInstanceOf(TypeError)
    await expect(client().exchange(undefined as unknown as string)).rejects.toBeInstanceOf(TypeError)
    expect(wechat.stats().code2Session).toBe(before)
  })

  it('rejects bad configuration without echoing the secret', () => {
    expect(() => createCode2SessionClient({ appId: '', secret: 's3cr3t-value' })).toThrow(TypeError)
    expect(() => createCode2SessionClient({ appId: 'wx1', secret: '' })).toThrow(TypeError)
    expect(() => createCode2SessionClient({ appId: 'wx1', secret: 's', apiBase: 'not a url' })).toThrow(TypeError)
    // The secret travels in the query string: plain http only to this machine.
    expect(() => createCode2SessionClient({ appId: 'wx1', secret: 's', apiBase: 'http://api.weixin.qq.com' })).toThrow(/https/)
    expect(() => createCode2SessionClient({ appId: 'wx1', secret: 's', apiBase: 'http://10.0.0.5:8080' })).toThrow(/https/)
    for (const local of ['http://127.0.0.1:9', 'http://localhost:9', 'http://[::1]:9', 'https://api.weixin.qq.com']) {
      expect(() => createCode2SessionClient({ appId: 'wx1', secret: 's', apiBase: local }), local).not.toThrow()
    }
    expect(() => createCode2SessionClient({ appId: 'wx1', secret: 's', timeoutMs: 0 })).toThrow(RangeError)
    expect(() => createCode2SessionClient({ appId: 'wx1', secret: 's', retries: 1.5 })).toThrow(RangeError)
    try {
      createCode2SessionClient({ appId: '', secret: 's3cr3t-value' })
    } catch (error) {
      expect(String(error)).not.toContain('s3cr3t-value')
    }
  })

  it('keeps the secret off the client object', () => {
    const instance = client()
    expect(JSON.stringify(instance)).not.toContain(wechat.secret)
    expect(Object.keys(instance)).toEqual(['exchange'])
  })
})

describe('wechatEndpoint', () => {
  it("keeps the path of an apiBase that has one (a relay at https://gateway/weixin), rather than replacing it with the API's", () => {
    expect(wechatEndpoint('https://gateway.example.com/weixin', '/sns/jscode2session', 'test').href).toBe(
      'https://gateway.example.com/weixin/sns/jscode2session',
    )
    expect(wechatEndpoint('https://gateway.example.com/weixin/', '/cgi-bin/stable_token', 'test').href).toBe(
      'https://gateway.example.com/weixin/cgi-bin/stable_token',
    )
    expect(wechatEndpoint('https://api.weixin.qq.com', '/sns/jscode2session', 'test').href).toBe(
      'https://api.weixin.qq.com/sns/jscode2session',
    )
    expect(wechatEndpoint('http://127.0.0.1:9/', '/wxa/checksession', 'test').href).toBe('http://127.0.0.1:9/wxa/checksession')
  })

  it('refuses an apiBase with a user name or password, quoting none of it (fetch would refuse every call, quoting the URL and its query)', () => {
    for (const base of [
      'https://relay:s3cret-pass@gateway.example.com/weixin',
      'https://relay@gateway.example.com',
      'https://:s3cret-pass@gateway.example.com',
    ]) {
      const error = (() => {
        try {
          wechatEndpoint(base, '/sns/jscode2session', 'code2Session')
        } catch (caught) {
          return caught
        }
        return undefined
      })()
      expect(error, base).toBeInstanceOf(TypeError)
      expect((error as TypeError).message).toBe(
        'code2Session: apiBase must not carry a user name or password; give a relay its credentials another way',
      )
    }
    // Through the clients' options too, at creation.
    expect(() =>
      createCode2SessionClient({
        appId: 'wx7a0c1e2d3b4f5a6b',
        secret: 'a-secret-of-32-characters-0123456',
        apiBase: 'https://u:p@gateway.example.com',
      }),
    ).toThrow(TypeError)
  })
})
