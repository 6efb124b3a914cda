import { describe, expect, it, vi } from 'vitest'
import { httpSessionServer, LoginError } from '../../../src/index.ts'
import type { PlatformRequestOptions, PlatformResponse } from '../../../src/index.ts'

function serverAnswering(response: PlatformResponse | (() => Promise<PlatformResponse>)) {
  const sent: PlatformRequestOptions[] = []
  const server = httpSessionServer({
    baseUrl: 'https://api.example.com/',
    request: async (options) => {
      sent.push(options)
      return typeof response === 'function' ? response() : response
    },
  })
  return { server, sent }
}

const SESSION = { token: 'tok', expiresAt: 1_900_000_000_000 }

describe('httpSessionServer: the developer-server contract', () => {
  it('POSTs the code to /auth/login and returns the session', async () => {
    const { server, sent } = serverAnswering({ statusCode: 200, data: { ...SESSION, extra: 1 } })
    await expect(server.login('the-code')).resolves.toEqual(SESSION)
    expect(sent[0]).toMatchObject({ url: 'https://api.example.com/auth/login', method: 'POST', data: { code: 'the-code' } })
  })

  it.each([
    [401, { error: 'invalid_code' }, 'invalid_code'],
    [401, { error: 'code_used' }, 'code_used'],
    [403, { error: 'high_risk_user' }, 'high_risk_user'],
    [429, { error: 'rate_limited' }, 'rate_limited'],
    [429, 'Too Many Requests', 'rate_limited'],
    [503, { error: 'upstream_unavailable' }, 'server_error'],
    [500, '<html>oops</html>', 'server_error'],
    [502, undefined, 'server_error'],
    [400, { error: 'invalid_request' }, 'invalid_request'],
    [404, 'not found', 'invalid_response'],
    [200, { token: 'no-expiry' }, 'invalid_response'],
    [200, '<html>captive portal</html>', 'invalid_response'],
  ] as const)('maps login status %i with body %j to %s', async (statusCode, data, code) => {
    const { server } = serverAnswering({ statusCode, data })
    const error = await server.login('c').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(LoginError)
    expect((error as LoginError).code).toBe(code)
  })

  it('reads Retry-After (seconds or a date) into retryAfterMs', async () => {
    const seconds = serverAnswering({ statusCode: 429, data: { error: 'rate_limited' }, header: { 'Retry-After': '7' } })
    await expect(seconds.server.login('c')).rejects.toMatchObject({ code: 'rate_limited', retryAfterMs: 7_000 })
    const date = new Date(Date.now() + 30_000).toUTCString()
    const dated = serverAnswering({ statusCode: 429, data: {}, header: { 'retry-after': date } })
    const error = (await dated.server.login('c').catch((e: unknown) => e)) as LoginError
    expect(error.retryAfterMs).toBeGreaterThan(20_000)
    expect(error.retryAfterMs).toBeLessThanOrEqual(30_000)
  })

  it.each([
    ['an hour ahead', 3_600_000],
    ['an hour behind', -3_600_000],
  ])('reads a Retry-After date against the answer’s Date header, not a phone clock %s', async (_label, skewMs) => {
    const serverNow = Date.UTC(2026, 2, 1, 8)
    vi.useFakeTimers({ now: serverNow + skewMs })
    try {
      const header = { Date: new Date(serverNow).toUTCString(), 'Retry-After': new Date(serverNow + 30_000).toUTCString() }
      const { server } = serverAnswering({ statusCode: 429, data: { error: 'rate_limited' }, header })
      await expect(server.login('c')).rejects.toMatchObject({ code: 'rate_limited', retryAfterMs: 30_000 })
    } finally {
      vi.useRealTimers()
    }
  })

  it('checks a session with a Bearer token: 200 valid, 401 expired, anything else rejects', async () => {
    const valid = serverAnswering({ statusCode: 200, data: { expiresAt: 1 } })
    await expect(valid.server.check(SESSION)).resolves.toBe(true)
    expect(valid.sent[0]).toMatchObject({ url: 'https://api.example.com/auth/session', header: { Authorization: 'Bearer tok' } })
    await expect(serverAnswering({ statusCode: 401, data: { error: 'session_expired' } }).server.check(SESSION)).resolves.toBe(false)
    await expect(serverAnswering({ statusCode: 503, data: {} }).server.check(SESSION)).rejects.toMatchObject({ code: 'server_error' })
  })

  it('logs out: 204 and 401 both resolve; 5xx rejects', async () => {
    const ok = serverAnswering({ statusCode: 204, data: '' })
    await expect(ok.server.logout?.(SESSION)).resolves.toBeUndefined()
    expect(ok.sent[0]?.url).toBe('https://api.example.com/auth/logout')
    await expect(serverAnswering({ statusCode: 401, data: {} }).server.logout?.(SESSION)).resolves.toBeUndefined()
    await expect(serverAnswering({ statusCode: 500, data: {} }).server.logout?.(SESSION)).rejects.toMatchObject({ code: 'server_error' })
  })

  it('passes a platform timeout or network failure through as a LoginError', async () => {
    const timeout = serverAnswering(() => Promise.reject(new LoginError('timeout')))
    await expect(timeout.server.login('c')).rejects.toMatchObject({ code: 'timeout' })
    const network = serverAnswering(() => Promise.reject(new Error('request:fail')))
    await expect(network.server.check(SESSION)).rejects.toMatchObject({ code: 'network' })
  })

  it("speaks to a server with other paths and the seed's sessionKey header", async () => {
    const sent: PlatformRequestOptions[] = []
    const server = httpSessionServer({
      baseUrl: 'https://legacy.example.com/api',
      paths: { login: '/user/login', check: '/user/checkSession' },
      tokenHeader: 'sessionKey',
      request: async (options) => {
        sent.push(options)
        return options.url.endsWith('/user/login') ? { statusCode: 200, data: SESSION } : { statusCode: 200, data: {} }
      },
    })
    await server.login('c')
    await server.check(SESSION)
    expect(sent.map((s) => s.url)).toEqual([
      'https://legacy.example.com/api/user/login',
      'https://legacy.example.com/api/user/checkSession',
    ])
    expect(sent[1]?.header).toMatchObject({ sessionKey: 'tok' })
    expect(sent[1]?.header).not.toHaveProperty('Authorization')
  })

  it('never puts the token in an error message', async () => {
    const { server } = serverAnswering({ statusCode: 500, data: { error: 'x', message: 'tok' } })
    const error = (await server.check({ token: 'secret-token-value', expiresAt: 1 }).catch((e: unknown) => e)) as LoginError
    expect(error.message).not.toContain('secret-token-value')
    expect(JSON.stringify(error)).not.toContain('secret-token-value')
  })
})
