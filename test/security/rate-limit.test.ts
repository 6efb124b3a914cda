/**
 * The login rate limit holds: past `max` attempts per address and window,
 * `POST /auth/login` answers 429 `rate_limited` with `Retry-After`, whatever
 * the attempts were (good codes, bad codes, malformed bodies), under
 * concurrency too, without calling WeChat; the client reports it as a typed
 * `rate_limited` error carrying the server's Retry-After.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { WechatEmulator } from '../../src/emulator/index.ts'
import { isLoginError } from '../../src/contract/index.ts'
import { createServer, createSqliteStore } from '../../src/server/index.ts'
import type { LoginRateLimitOptions } from '../../src/server/index.ts'
import { APP_ID, APP_SECRET, createDevice, eventually, outcomeOf, startDevServer, startEmulator } from '../reliability/support/e2e-stack.ts'

let emulator: WechatEmulator
const apps: FastifyInstance[] = []

beforeAll(async () => {
  emulator = await startEmulator()
})
afterAll(async () => {
  for (const app of apps) await app.close()
  await emulator.close()
})

async function limitedServer(rateLimit: LoginRateLimitOptions): Promise<FastifyInstance> {
  const app = await createServer({
    wechat: { appId: APP_ID, secret: APP_SECRET, apiBase: emulator.url },
    store: createSqliteStore({ path: ':memory:', sweepIntervalMs: false }),
    rateLimit,
  })
  apps.push(app)
  await app.ready()
  return app
}

let addressCounter = 0
function nextAddress(): string {
  addressCounter += 1
  return `198.51.100.${addressCounter}`
}

async function goodLogin(app: FastifyInstance, remoteAddress: string): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'POST', url: '/auth/login', remoteAddress, payload: { code: await emulator.issueCode() } })
}

function expectRateLimited(response: LightMyRequestResponse, windowSeconds: number): void {
  expect(response.statusCode).toBe(429)
  expect(response.json()).toEqual({ error: 'rate_limited', message: expect.any(String) })
  const retryAfter = Number(response.headers['retry-after'])
  expect(Number.isInteger(retryAfter)).toBe(true)
  expect(retryAfter).toBeGreaterThanOrEqual(1)
  expect(retryAfter).toBeLessThanOrEqual(windowSeconds)
}

describe('login rate limit', () => {
  it('counts every attempt, good, bad or malformed, and then refuses without calling WeChat', async () => {
    const app = await limitedServer({ max: 6, timeWindow: 60_000 })
    const from = nextAddress()
    const attempts = [
      () => goodLogin(app, from),
      () => app.inject({ method: 'POST', url: '/auth/login', remoteAddress: from, payload: { code: 'not-a-real-code' } }),
      () =>
        app.inject({
          method: 'POST',
          url: '/auth/login',
          remoteAddress: from,
          headers: { 'content-type': 'application/json' },
          payload: '{"code":',
        }),
      () => app.inject({ method: 'POST', url: '/auth/login', remoteAddress: from, payload: { code: 42 } }),
      () =>
        app.inject({ method: 'POST', url: '/auth/login', remoteAddress: from, headers: { 'content-type': 'text/plain' }, payload: 'code' }),
      () => goodLogin(app, from),
    ]
    const statuses = []
    for (const attempt of attempts) statuses.push((await attempt()).statusCode)
    expect(statuses).toEqual([200, 401, 400, 400, 400, 200])

    const callsBefore = emulator.stats().code2Session
    for (let i = 0; i < 5; i++) expectRateLimited(await goodLogin(app, from), 60)
    expect(emulator.stats().code2Session).toBe(callsBefore)
    // Another address is not affected.
    expect((await goodLogin(app, nextAddress())).statusCode).toBe(200)
  })

  it('holds under a concurrent burst: no more than max attempts get through, none reaches WeChat past it', async () => {
    const max = 5
    const app = await limitedServer({ max, timeWindow: 60_000 })
    const from = nextAddress()
    const codes = await Promise.all(Array.from({ length: 40 }, () => emulator.issueCode()))
    const callsBefore = emulator.stats().code2Session
    const responses = await Promise.all(
      codes.map((code) => app.inject({ method: 'POST', url: '/auth/login', remoteAddress: from, payload: { code } })),
    )
    const passed = responses.filter((response) => response.statusCode !== 429)
    // Exactly max: the limit neither leaks nor refuses the burst whole (see rate-limit-burst.test.ts).
    expect(passed.length).toBe(max)
    expect(passed.every((response) => response.statusCode === 200)).toBe(true)
    expect(emulator.stats().code2Session - callsBefore).toBe(passed.length)
    for (const response of responses.filter((r) => r.statusCode === 429)) expectRateLimited(response, 60)
    // And the limit keeps holding after the burst.
    expectRateLimited(await goodLogin(app, from), 60)
  })

  it('opens again when the window has passed', async () => {
    const app = await limitedServer({ max: 1, timeWindow: 2_000 })
    const from = nextAddress()
    const [first, second] = await Promise.all([emulator.issueCode(), emulator.issueCode()])
    expect((await app.inject({ method: 'POST', url: '/auth/login', remoteAddress: from, payload: { code: first } })).statusCode).toBe(200)
    expectRateLimited(await app.inject({ method: 'POST', url: '/auth/login', remoteAddress: from, payload: { code: second } }), 2)
    await eventually(async () => (await goodLogin(app, from)).statusCode === 200, 'the window to pass', 15_000, 200)
  })

  it("reaches the client as a typed rate_limited error with the server's Retry-After, and is not hammered", async () => {
    let logins = 0
    const server = await startDevServer(emulator, createSqliteStore({ path: ':memory:', sweepIntervalMs: false }), {
      rateLimit: { max: 1, timeWindow: 60_000 },
      beforeListen: (app) => {
        app.addHook('onRequest', async (request) => {
          if (request.url === '/auth/login') logins += 1
        })
      },
    })
    apps.push(server.app)
    const first = createDevice(emulator, server.baseUrl)
    const second = createDevice(emulator, server.baseUrl)
    try {
      await first.client.ensureLogin()
      const outcome = await outcomeOf(second.client.ensureLogin())
      const error = outcome.ok ? undefined : outcome.error
      expect(isLoginError(error)).toBe(true)
      if (!isLoginError(error)) return
      expect(error.code).toBe('rate_limited')
      expect(error.retryAfterMs).toBeGreaterThanOrEqual(1_000)
      expect(error.retryAfterMs).toBeLessThanOrEqual(60_000)
      // One refused attempt: a Retry-After longer than the client's backoff is handed to the app, not retried.
      expect(logins).toBe(2)
    } finally {
      first.client.stop()
      second.client.stop()
    }
  })
})
