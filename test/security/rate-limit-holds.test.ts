/**
 * Regression (review finding 4): the login rate limit could be walked past.
 * - With `trustProxy: true`, a client rotating `X-Forwarded-For` was a new
 *   address on every attempt. `createServer` now refuses `true`; the proxy's
 *   address or hop count makes the limit count the address the proxy saw.
 * - The in-memory counter forgot an address whose window was still open once
 *   5,000 other addresses had been seen. Windows now end only when they expire.
 * - IPv6 clients are counted per /64 (one subscriber's allocation).
 * - Each instance counted alone. With the Redis store the counters live in
 *   Redis, shared by every instance.
 * - Per openid too: one user cannot log in more than `maxPerOpenid` times per
 *   window, from however many addresses.
 */
import type { FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { createServer, createSqliteStore } from '../../src/server/index.ts'
import type { CreateServerOptions, SessionStore } from '../../src/server/index.ts'
import { createRedisStore } from '../../src/server/redis/index.ts'
import { startTestWechat } from '../server/helpers/server-fixture.ts'
import type { TestUser, TestWechat } from '../server/helpers/server-fixture.ts'
import { useStandaloneRedis } from '../support/redis/index.ts'
import { newUser } from '../server/helpers/server-fixture.ts'

const redis = useStandaloneRedis()
const cleanups: Array<() => Promise<void>> = []

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function fakeWechat(): Promise<TestWechat> {
  const wechat = await startTestWechat()
  cleanups.push(() => wechat.close())
  return wechat
}

async function server(
  wechat: TestWechat,
  options: Partial<Omit<CreateServerOptions, 'wechat' | 'store'>> & { store?: SessionStore } = {},
): Promise<FastifyInstance> {
  const app = await createServer({
    store: createSqliteStore({ path: ':memory:', sweepIntervalMs: false }),
    ...options,
    wechat: { appId: wechat.appId, secret: wechat.secret, apiBase: wechat.apiBase },
  })
  cleanups.push(() => app.close())
  await app.ready()
  return app
}

async function loginAs(
  app: FastifyInstance,
  wechat: TestWechat,
  user: TestUser,
  remoteAddress: string,
  headers: Record<string, string> = {},
) {
  return app.inject({ method: 'POST', url: '/auth/login', remoteAddress, headers, payload: { code: await wechat.codeFor(user) } })
}

/** An attempt that counts but never reaches WeChat: a body the schema refuses. */
function malformedFrom(app: FastifyInstance, remoteAddress: string) {
  return app.inject({ method: 'POST', url: '/auth/login', remoteAddress, payload: { code: 42 } })
}

describe('the login rate limit behind a proxy', () => {
  it('refuses trustProxy: true, which lets a client pick its own address', async () => {
    const wechat = await fakeWechat()
    await expect(server(wechat, { trustProxy: true as never })).rejects.toThrow(/trustProxy/)
  })

  it('with the proxy as a hop count, a rotating X-Forwarded-For does not pass', async () => {
    const wechat = await fakeWechat()
    const app = await server(wechat, { trustProxy: 1, rateLimit: { max: 2, timeWindow: 60_000 } })
    const statuses: number[] = []
    for (let i = 0; i < 5; i += 1) {
      // The client forges the left part; the proxy appends the address it saw.
      const forged = `198.51.100.${i + 1}, 203.0.113.${i + 1}`
      statuses.push((await loginAs(app, wechat, newUser(), '10.0.0.1', { 'x-forwarded-for': `${forged}, 192.0.2.77` })).statusCode)
    }
    expect(statuses).toEqual([200, 200, 429, 429, 429])
    // Another client behind the same proxy has its own counter (the proxy's address is not what counts).
    expect((await loginAs(app, wechat, newUser(), '10.0.0.1', { 'x-forwarded-for': '192.0.2.79' })).statusCode).toBe(200)
  })

  it('with a proxy that writes the client port into X-Forwarded-For, a new source port is not a new address', async () => {
    const wechat = await fakeWechat()
    const app = await server(wechat, { trustProxy: 1, rateLimit: { max: 2, timeWindow: 60_000 } })
    const statuses: number[] = []
    // Azure Application Gateway, for one, forwards "address:port"; every new connection has a new port.
    for (const forwarded of ['192.0.2.77:50001', '192.0.2.77:50002', '192.0.2.77:50003', '[2001:db8::7]:50004', '[2001:db8::7]:50005']) {
      statuses.push((await loginAs(app, wechat, newUser(), '10.0.0.1', { 'x-forwarded-for': forwarded })).statusCode)
    }
    expect(statuses).toEqual([200, 200, 429, 200, 200])
    expect((await loginAs(app, wechat, newUser(), '10.0.0.1', { 'x-forwarded-for': '[2001:db8::7]:50006' })).statusCode).toBe(429)
    expect((await loginAs(app, wechat, newUser(), '10.0.0.1', { 'x-forwarded-for': '2001:db8::8' })).statusCode).toBe(429)
  })

  it("with the proxy's address, the same", async () => {
    const wechat = await fakeWechat()
    const app = await server(wechat, { trustProxy: '10.0.0.1', rateLimit: { max: 1, timeWindow: 60_000 } })
    expect((await loginAs(app, wechat, newUser(), '10.0.0.1', { 'x-forwarded-for': 'forged-1, 192.0.2.78' })).statusCode).toBe(200)
    expect((await loginAs(app, wechat, newUser(), '10.0.0.1', { 'x-forwarded-for': 'forged-2, 192.0.2.78' })).statusCode).toBe(429)
    expect((await loginAs(app, wechat, newUser(), '10.0.0.1', { 'x-forwarded-for': '192.0.2.79' })).statusCode).toBe(200)
    // A client that reaches the server directly is not believed.
    expect((await loginAs(app, wechat, newUser(), '192.0.2.78', { 'x-forwarded-for': '192.0.2.80' })).statusCode).toBe(429)
  })
})

describe('the in-memory login rate limit', () => {
  it('still limits an address after 5,001 other addresses were seen in its window', async () => {
    const wechat = await fakeWechat()
    const app = await server(wechat, { rateLimit: { max: 1, timeWindow: 600_000 } })
    expect((await malformedFrom(app, '192.0.2.1')).statusCode).toBe(400)
    for (let i = 0; i < 5_001; i += 1) {
      const address = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`
      await malformedFrom(app, address)
    }
    expect((await malformedFrom(app, '192.0.2.1')).statusCode).toBe(429)
  })

  it('counts IPv6 clients per /64, and IPv4-mapped addresses as IPv4', async () => {
    const wechat = await fakeWechat()
    const app = await server(wechat, { rateLimit: { max: 1, timeWindow: 60_000 } })
    expect((await malformedFrom(app, '2001:db8:1:2::1')).statusCode).toBe(400)
    expect((await malformedFrom(app, '2001:db8:1:2:ffff:ffff:ffff:fffe')).statusCode).toBe(429)
    expect((await malformedFrom(app, '2001:db8:1:3::1')).statusCode).toBe(400)
    expect((await malformedFrom(app, '192.0.2.9')).statusCode).toBe(400)
    expect((await malformedFrom(app, '::ffff:192.0.2.9')).statusCode).toBe(429)
  })

  it('limits one openid across addresses (maxPerOpenid)', async () => {
    const wechat = await fakeWechat()
    const app = await server(wechat, { rateLimit: { max: 100, timeWindow: 60_000, maxPerOpenid: 2 } })
    const user = newUser()
    const statuses: number[] = []
    for (let i = 0; i < 4; i += 1) statuses.push((await loginAs(app, wechat, user, `192.0.2.${100 + i}`)).statusCode)
    expect(statuses).toEqual([200, 200, 429, 429])
    const refused = await loginAs(app, wechat, user, '192.0.2.200')
    expect(refused.json()).toEqual({ error: 'rate_limited', message: expect.any(String) })
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0)
    // Another user from the same addresses is not affected.
    expect((await loginAs(app, wechat, newUser(), '192.0.2.100')).statusCode).toBe(200)
  })
})

describe('the login rate limit with the Redis store', () => {
  it('is shared by every instance: attempts on one count on the other', async () => {
    const wechat = await fakeWechat()
    const keyPrefix = redis.prefix('rl-shared')
    const limit = { max: 2, timeWindow: 60_000, maxPerOpenid: 3 }
    const a = await server(wechat, { store: createRedisStore({ url: redis.url, keyPrefix }), rateLimit: limit })
    const b = await server(wechat, { store: createRedisStore({ url: redis.url, keyPrefix }), rateLimit: limit })
    expect((await loginAs(a, wechat, newUser(), '192.0.2.50')).statusCode).toBe(200)
    expect((await loginAs(b, wechat, newUser(), '192.0.2.50')).statusCode).toBe(200)
    expect((await loginAs(a, wechat, newUser(), '192.0.2.50')).statusCode).toBe(429)
    expect((await loginAs(b, wechat, newUser(), '192.0.2.50')).statusCode).toBe(429)

    const user = newUser()
    const perUser: number[] = []
    for (const [i, app] of [a, b, a, b].entries()) perUser.push((await loginAs(app, wechat, user, `192.0.2.${60 + i}`)).statusCode)
    expect(perUser).toEqual([200, 200, 200, 429])
  })

  it('counts a forwarded address that is no IP, braces and all, instead of failing the request', async () => {
    const wechat = await fakeWechat()
    const store = createRedisStore({ url: redis.url, keyPrefix: redis.prefix('rl-odd-peer') })
    const app = await server(wechat, { store, trustProxy: '10.0.0.1', rateLimit: { max: 1, timeWindow: 60_000 } })
    // A proxy that forwards the client's own header unchecked passes text such as this; braces are a Redis Cluster hash tag.
    const odd = `{u:${'o'.repeat(28)}}:${'x'.repeat(300)}`
    expect((await loginAs(app, wechat, newUser(), '10.0.0.1', { 'x-forwarded-for': odd })).statusCode).toBe(200)
    expect((await loginAs(app, wechat, newUser(), '10.0.0.1', { 'x-forwarded-for': odd })).statusCode).toBe(429)
    expect((await loginAs(app, wechat, newUser(), '10.0.0.1', { 'x-forwarded-for': 'not-an-ip' })).statusCode).toBe(200)
  })
})
