import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Code2SessionError, createCode2SessionClient } from '../../src/server/wechat/index.ts'
import type { Code2SessionClientOptions } from '../../src/server/wechat/index.ts'
import { startFakeWechat } from './helpers/fake-wechat.ts'
import { unusedPort } from '../support/ports.ts'
import type { FakeWechat } from './helpers/fake-wechat.ts'
import { newUser } from './helpers/server-fixture.ts'

let wechat: FakeWechat

beforeAll(async () => {
  wechat = await startFakeWechat()
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

let codeCounter = 0
function freshCode(): string {
  codeCounter += 1
  return `c2s-test-code-${codeCounter}`
}

describe('createCode2SessionClient', () => {
  it('calls GET /sns/jscode2session with appid, secret, js_code and grant_type=authorization_code', async () => {
    const user = newUser(true)
    const code = wechat.codeFor(user)
    const identity = await client().exchange(code)
    expect(identity).toEqual({ openid: user.openid, sessionKey: user.sessionKey, unionid: user.unionid })
    expect(wechat.requestsFor(code)).toEqual([
      { appid: wechat.appId, secret: wechat.secret, js_code: code, grant_type: 'authorization_code' },
    ])
  })

  it('leaves unionid out when WeChat sends none', async () => {
    const user = newUser(false)
    const identity = await client().exchange(wechat.codeFor(user))
    expect(identity).toEqual({ openid: user.openid, sessionKey: user.sessionKey })
    expect('unionid' in identity).toBe(false)
  })

  it('accepts a success that carries errcode 0, as WeChat sometimes sends', async () => {
    const code = freshCode()
    wechat.issueCode(code, { raw: JSON.stringify({ openid: 'o-zero', session_key: 'a2V5a2V5a2V5a2V5a2V5aw==', errcode: 0, errmsg: 'ok' }) })
    await expect(client().exchange(code)).resolves.toEqual({ openid: 'o-zero', sessionKey: 'a2V5a2V5a2V5a2V5a2V5aw==' })
  })

  it('retries errcode -1 (system busy) and succeeds', async () => {
    const user = newUser()
    const code = freshCode()
    wechat.issueCode(code, { errcode: -1 }, { errcode: -1 }, { user })
    await expect(client({ retries: 2 }).exchange(code)).resolves.toMatchObject({ openid: user.openid })
    expect(wechat.requestsFor(code)).toHaveLength(3)
  })

  it('gives up on errcode -1 after the configured retries', async () => {
    const code = freshCode()
    wechat.issueCode(code, { errcode: -1 }, { errcode: -1 }, { errcode: -1 }, { user: newUser() })
    const error = await failure(client({ retries: 1 }).exchange(code))
    expect(error).toMatchObject({ failure: 'wechat_error', errcode: -1, attempts: 2 })
    expect(wechat.requestsFor(code)).toHaveLength(2)
  })

  it.each([40029, 40163, 45011, 40226, 40013])('does not retry errcode %i', async (errcode) => {
    const code = freshCode()
    wechat.issueCode(code, { errcode }, { user: newUser() })
    const error = await failure(client({ retries: 3 }).exchange(code))
    expect(error).toMatchObject({ failure: 'wechat_error', errcode, attempts: 1 })
    expect(wechat.requestsFor(code)).toHaveLength(1)
  })

  it('answers errcode 40029 for a code WeChat never issued', async () => {
    const error = await failure(client().exchange('never-issued'))
    expect(error).toMatchObject({ failure: 'wechat_error', errcode: 40029 })
  })

  it('reports a wrong secret as errcode 40125 without the secret in the error', async () => {
    const user = newUser()
    const error = await failure(client({ secret: 'the-wrong-secret-value' }).exchange(wechat.codeFor(user)))
    expect(error).toMatchObject({ failure: 'wechat_error', errcode: 40125 })
    const seen = JSON.stringify({ message: error.message, stack: error.stack, error })
    expect(seen).not.toContain('the-wrong-secret-value')
  })

  it('does not retry an HTTP 5xx', async () => {
    const code = freshCode()
    wechat.issueCode(code, { httpStatus: 502 }, { user: newUser() })
    const error = await failure(client({ retries: 3 }).exchange(code))
    expect(error).toMatchObject({ failure: 'bad_status', httpStatus: 502, attempts: 1 })
  })

  it('retries network failures, then reports them', async () => {
    const port = await unusedPort()
    const error = await failure(client({ apiBase: `http://127.0.0.1:${port}`, retries: 2 }).exchange('any-code'))
    expect(error).toMatchObject({ failure: 'network', attempts: 3 })
  })

  it('times out a WeChat that never answers', async () => {
    const code = freshCode()
    wechat.issueCode(code, { hang: true })
    const error = await failure(client({ timeoutMs: 50, retries: 2 }).exchange(code))
    expect(error).toMatchObject({ failure: 'timeout', attempts: 1 })
    expect(wechat.requestsFor(code)).toHaveLength(1)
  })

  it('stops when the caller aborts', async () => {
    const code = freshCode()
    wechat.issueCode(code, { hang: true })
    const controller = new AbortController()
    const pending = client({ timeoutMs: 10_000 }).exchange(code, controller.signal)
    setTimeout(() => controller.abort(), 10)
    const error = await failure(pending)
    expect(error.failure).toBe('aborted')
  })

  it.each([
    ['not JSON', 'Service Unavailable'],
    ['a JSON array', '[]'],
    ['no session_key', JSON.stringify({ openid: 'o' })],
    ['no openid', JSON.stringify({ session_key: 'k' })],
    ['a numeric unionid', JSON.stringify({ openid: 'o', session_key: 'k', unionid: 7 })],
  ])('rejects an answer that is %s as invalid_response', async (_, raw) => {
    const code = freshCode()
    wechat.issueCode(code, { raw })
    const error = await failure(client().exchange(code))
    expect(error.failure).toBe('invalid_response')
  })

  it('rejects bad input with a TypeError before calling WeChat', async () => {
    const before = wechat.requests.length
    await expect(client().exchange('')).rejects.toBeInstanceOf(TypeError)
    await expect(client().exchange(undefined as unknown as string)).rejects.toBeInstanceOf(TypeError)
    expect(wechat.requests.length).toBe(before)
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
