/**
 * `loginPlugin` in an app the user already has: the routes under a prefix, the
 * decorators on the app, the contract's error shape on the app's own
 * authenticated routes, and none of the plugin's settings leaking into them.
 */
import Fastify from 'fastify'
import type { FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { createSqliteStore, loginPlugin } from '../../src/server/index.ts'
import type { SessionStore } from '../../src/server/index.ts'
import { startTestWechat } from './helpers/server-fixture.ts'
import type { TestWechat } from './helpers/server-fixture.ts'
import { bearer, newUser } from './helpers/server-fixture.ts'

let app: FastifyInstance | undefined
let wechat: TestWechat | undefined

afterEach(async () => {
  await app?.close()
  await wechat?.close()
  app = undefined
  wechat = undefined
})

async function appWithPlugin(
  options: { prefix?: string; store?: SessionStore } = {},
): Promise<{ app: FastifyInstance; wechat: TestWechat }> {
  wechat = await startTestWechat()
  app = Fastify()
  // A route of the app's own, registered before the plugin: it must keep Fastify's defaults.
  app.post('/echo', async (request) => ({ body: request.body }))
  await app.register(loginPlugin, {
    wechat: { appId: wechat.appId, secret: wechat.secret, apiBase: wechat.apiBase },
    store: options.store ?? createSqliteStore({ path: ':memory:', sweepIntervalMs: false }),
    rateLimit: false,
    ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
  })
  app.get('/me', { preHandler: app.authenticate }, async (request) => ({ openid: request.loginSession?.openid }))
  await app.ready()
  return { app, wechat }
}

describe('loginPlugin', () => {
  it('serves the login routes under its prefix and authenticates the app’s own routes', async () => {
    const { app, wechat } = await appWithPlugin({ prefix: '/api' })
    const user = newUser()
    const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { code: await wechat.codeFor(user) } })
    expect(login.statusCode).toBe(200)
    const { token } = login.json<{ token: string }>()
    expect((await app.inject({ method: 'POST', url: '/auth/login', payload: { code: await wechat.codeFor(user) } })).statusCode).toBe(404)

    const me = await app.inject({ method: 'GET', url: '/me', headers: bearer(token) })
    expect(me.statusCode).toBe(200)
    expect(me.json()).toEqual({ openid: user.openid })
    expect((await app.inject({ method: 'POST', url: '/api/auth/session', headers: bearer(token) })).statusCode).toBe(200)
  })

  it('answers the app’s routes in the contract’s error shape when the session is missing or gone', async () => {
    const { app } = await appWithPlugin()
    const missing = await app.inject({ method: 'GET', url: '/me' })
    expect(missing.statusCode).toBe(400)
    expect(missing.json()).toMatchObject({ error: 'invalid_request' })
    const unknown = await app.inject({ method: 'GET', url: '/me', headers: bearer('A'.repeat(43)) })
    expect(unknown.statusCode).toBe(401)
    expect(unknown.json()).toEqual({ error: 'session_expired', message: expect.any(String) })
    expect(unknown.headers['cache-control']).toBe('no-store')
  })

  it('keeps strict JSON and no-store to its own routes', async () => {
    const { app } = await appWithPlugin()
    const echo = await app.inject({ method: 'POST', url: '/echo', payload: 'a=1', headers: { 'content-type': 'text/plain' } })
    // Fastify's default text parser still serves the app's route; the plugin's strict parser did not replace it.
    expect(echo.statusCode).toBe(200)
    expect(echo.json()).toEqual({ body: 'a=1' })
    expect(echo.headers['cache-control']).toBeUndefined()
    const login = await app.inject({ method: 'POST', url: '/auth/login', payload: 'code=abc', headers: { 'content-type': 'text/plain' } })
    expect(login.statusCode).toBe(400)
    expect(login.json()).toMatchObject({ error: 'invalid_request' })
    expect(login.headers['cache-control']).toBe('no-store')
  })

  it('decorates the app with the session API and the code2Session client', async () => {
    const { app, wechat } = await appWithPlugin()
    const user = newUser()
    const identity = await app.code2Session.exchange(await wechat.codeFor(user))
    const issued = await app.loginSessions.issue(identity)
    expect((await app.loginSessions.find(issued.token))?.openid).toBe(user.openid)
    expect(await app.loginSessions.revoke(issued.token)).toBe(true)
    expect(await app.loginSessions.find(issued.token)).toBeUndefined()
  })

  it('checks its options when registered, naming the one that is wrong', async () => {
    const bare = Fastify()
    const store = createSqliteStore({ path: ':memory:', sweepIntervalMs: false })
    const wechatOptions = { appId: 'wx1234567890abcdef', secret: 's'.repeat(32) }
    await expect(bare.register(loginPlugin, { wechat: wechatOptions, store, prefix: 'api/' })).rejects.toThrow(/prefix/)
    await bare.close()
    const other = Fastify()
    await expect(other.register(loginPlugin, { wechat: wechatOptions, store: {} as SessionStore })).rejects.toThrow(/store\.create/)
    await other.close()
    await store.close()
  })

  it('refuses at registration a sessionTtlMs whose expiry is no safe integer, which would fail every login', async () => {
    const wechatOptions = { appId: 'wx1234567890abcdef', secret: 's'.repeat(32) }
    const bare = Fastify()
    const store = createSqliteStore({ path: ':memory:', sweepIntervalMs: false })
    // "Never expires": login time + this is past Number.MAX_SAFE_INTEGER, a record no store accepts.
    await expect(
      bare.register(loginPlugin, { wechat: wechatOptions, store, rateLimit: false, sessionTtlMs: Number.MAX_SAFE_INTEGER }),
    ).rejects.toThrow(/sessionTtlMs/)
    await bare.close()
    await store.close()
  })

  it('refuses at registration a WeChat timeout no timer can keep, which would otherwise fail every call', async () => {
    const wechatOptions = { appId: 'wx1234567890abcdef', secret: 's'.repeat(32) }
    // A fraction of a ms makes AbortSignal.timeout throw; past 2^31 - 1 ms Node fires the timer after 1 ms.
    for (const timeoutMs of [1500.5, 2 ** 31]) {
      for (const option of [{ code2SessionTimeoutMs: timeoutMs }, { wechatApiTimeoutMs: timeoutMs }, { accessToken: { timeoutMs } }]) {
        const bare = Fastify()
        const store = createSqliteStore({ path: ':memory:', sweepIntervalMs: false })
        await expect(bare.register(loginPlugin, { wechat: wechatOptions, store, rateLimit: false, ...option })).rejects.toThrow(RangeError)
        await bare.close()
        await store.close()
      }
    }
  })

  it('closes the store with the app unless told not to', async () => {
    const store = createSqliteStore({ path: ':memory:', sweepIntervalMs: false })
    wechat = await startTestWechat()
    const first = Fastify()
    await first.register(loginPlugin, {
      wechat: { appId: wechat.appId, secret: wechat.secret, apiBase: wechat.apiBase },
      store,
      closeStore: false,
    })
    await first.close()
    await expect(store.ping()).resolves.toBeUndefined()
    const second = Fastify()
    await second.register(loginPlugin, { wechat: { appId: wechat.appId, secret: wechat.secret, apiBase: wechat.apiBase }, store })
    await second.close()
    await expect(store.ping()).rejects.toThrow()
  })
})
