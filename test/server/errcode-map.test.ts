import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServer, createSqliteStore } from '../../src/server/index.ts'
import { httpForWechatErrcode, UNMAPPED_WECHAT_ERRCODE_HTTP, WECHAT_ERRCODE_HTTP } from '../../src/server/wechat/index.ts'
import { newUser, startFixture } from './helpers/server-fixture.ts'
import type { Fixture } from './helpers/server-fixture.ts'

describe('WECHAT_ERRCODE_HTTP', () => {
  it('maps every errcode code2Session documents', () => {
    expect(WECHAT_ERRCODE_HTTP).toEqual({
      40029: { status: 401, error: 'invalid_code' },
      40163: { status: 401, error: 'code_used' },
      45011: { status: 429, error: 'rate_limited', retryAfterSeconds: 60 },
      40226: { status: 403, error: 'high_risk_user' },
      [-1]: { status: 503, error: 'upstream_unavailable' },
    })
  })

  it('treats any other errcode as a misconfigured server', () => {
    expect(UNMAPPED_WECHAT_ERRCODE_HTTP).toEqual({ status: 500, error: 'server_misconfigured' })
    for (const errcode of [40013, 40125, 41002, 41004, 41008, 12345]) {
      expect(httpForWechatErrcode(errcode)).toEqual(UNMAPPED_WECHAT_ERRCODE_HTTP)
    }
    expect(httpForWechatErrcode(40226)).toEqual({ status: 403, error: 'high_risk_user' })
  })

  it('cannot be changed at run time', () => {
    expect(Object.isFrozen(WECHAT_ERRCODE_HTTP)).toBe(true)
  })
})

describe('POST /auth/login answers WeChat errcodes through the table', () => {
  let fixture: Fixture

  beforeAll(async () => {
    fixture = await startFixture({ code2SessionRetries: 0 })
  })

  afterAll(async () => {
    await fixture.close()
  })

  const cases: [number, number, string][] = [
    [40029, 401, 'invalid_code'],
    [40163, 401, 'code_used'],
    [45011, 429, 'rate_limited'],
    [40226, 403, 'high_risk_user'],
    [-1, 503, 'upstream_unavailable'],
    [40013, 500, 'server_misconfigured'],
    [40125, 500, 'server_misconfigured'],
  ]

  it.each(cases)('errcode %i → %i %s', async (errcode, status, error) => {
    const code = `errcode-case${errcode}`
    fixture.wechat.failNext(1, errcode)
    const response = await fixture.app.inject({ method: 'POST', url: '/auth/login', payload: { code } })
    expect(response.statusCode).toBe(status)
    expect(response.json()).toEqual({ error, message: expect.any(String) })
    expect(response.headers['retry-after']).toBe(errcode === 45011 ? '60' : undefined)
    expect(response.body).not.toContain(fixture.wechat.secret)
    expect(response.body).not.toContain(code)
  })

  it('answers a wrong AppSecret (40125, real check by the emulator) as 500 server_misconfigured without the secret', async () => {
    // The emulator checks the secret like WeChat does; this server was given another one.
    const app = await createServer({
      wechat: { appId: fixture.wechat.appId, secret: 'not-the-real-secret-xyz', apiBase: fixture.wechat.apiBase },
      store: createSqliteStore({ path: ':memory:', sweepIntervalMs: false }),
      rateLimit: false,
    })
    try {
      const response = await app.inject({ method: 'POST', url: '/auth/login', payload: { code: await fixture.wechat.codeFor(newUser()) } })
      expect(response.statusCode).toBe(500)
      expect(response.json()).toMatchObject({ error: 'server_misconfigured' })
      expect(response.body).not.toContain('not-the-real-secret-xyz')
    } finally {
      await app.close()
    }
  })

  it('answers HTTP 5xx, garbage and timeouts from WeChat as 503 upstream_unavailable', async () => {
    // Faults are taken in turn: the first login gets the 502, the second the garbage.
    fixture.wechat.failNextWithStatus(1, 502)
    fixture.wechat.faultsOf('code2Session').answerNextRaw(1, '<html>')
    for (const code of ['answers-502', 'answers-garbage']) {
      const response = await fixture.app.inject({ method: 'POST', url: '/auth/login', payload: { code } })
      expect(response.statusCode).toBe(503)
      expect(response.json()).toMatchObject({ error: 'upstream_unavailable' })
    }
  })
})

describe('code2Session timeout', () => {
  it('answers 503 upstream_unavailable when WeChat does not answer in time', async () => {
    const fixture = await startFixture({ code2SessionTimeoutMs: 50 })
    try {
      fixture.wechat.faultsOf('code2Session').holdNext(1)
      const response = await fixture.app.inject({ method: 'POST', url: '/auth/login', payload: { code: 'hangs' } })
      expect(response.statusCode).toBe(503)
      expect(response.json()).toMatchObject({ error: 'upstream_unavailable' })
    } finally {
      await fixture.close()
    }
  })
})
