/**
 * The access_token manager against the shipped WeChat emulator: one token for
 * any number of callers and instances, refreshed ahead of expiry by one of
 * them, replaced once when an API refuses it, force refreshes only when
 * nothing else helps, spaced and counted, and never a loop.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { startWechatEmulator } from '../../src/emulator/index.ts'
import type { WechatEmulator, WechatEmulatorOptions } from '../../src/emulator/index.ts'
import { createMemoryTokenCache, createSqliteStore, isHttpError, isWechatApiError } from '../../src/server/index.ts'
import { createAccessTokenManager, createWechatServerApi, httpForWechatApiError } from '../../src/server/wechat/index.ts'
import type { AccessTokenEvent, SqliteSessionStore, WechatTokenCache } from '../../src/server/index.ts'
import type { AccessTokenManagerOptions } from '../../src/server/wechat/index.ts'
import { startFixture } from './helpers/server-fixture.ts'
import { rejection } from '../support/rejection.ts'

const APP_ID = 'wx7a0c1e2d3b4f5a6b'
const SECRET = 'access-token-test-secret-5e6f7a8b'
const MINUTE = 60_000
const HOUR = 60 * MINUTE

const dir = mkdtempSync(join(tmpdir(), 'mpl-access-token-'))
const opened: Array<{ close(): Promise<void> }> = []
afterEach(async () => {
  for (const thing of opened.splice(0).reverse()) await thing.close()
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function emulator(options: Partial<WechatEmulatorOptions> = {}): Promise<WechatEmulator> {
  const started = await startWechatEmulator({ appId: APP_ID, secret: SECRET, ...options })
  opened.push(started)
  return started
}

let files = 0
function sqliteStore(path = join(dir, `tokens-${++files}.db`)): SqliteSessionStore {
  const store = createSqliteStore({ path, sweepIntervalMs: false })
  opened.push(store)
  return store
}

/** A clock both the emulator and the manager read, moved by hand. */
function manualClock(start = Date.UTC(2024, 0, 1, 12, 0, 0)): { now: () => number; advance(ms: number): void } {
  let current = start
  return {
    now: () => current,
    advance(ms) {
      current += ms
    },
  }
}

function manager(wechat: WechatEmulator, cache: WechatTokenCache, extra: Partial<AccessTokenManagerOptions> = {}) {
  const events: AccessTokenEvent[] = []
  const tokens = createAccessTokenManager({
    appId: APP_ID,
    secret: SECRET,
    apiBase: wechat.url,
    cache,
    onEvent: (event) => events.push(event),
    ...extra,
  })
  const api = createWechatServerApi({ tokens, apiBase: wechat.url })
  return { tokens, api, events }
}

/** A getuserphonenumber call: the cheapest API that takes the token and shows whether WeChat accepted it. */
async function phoneCall(wechat: WechatEmulator, api: ReturnType<typeof manager>['api']): Promise<string> {
  const code = await wechat.issuePhoneCode('oTokenUser', '13800138000')
  return (await api.getPhoneNumber(code, 'oTokenUser')).purePhoneNumber
}

describe('the access_token manager', () => {
  it('fetches one token for any number of concurrent callers, then serves it from the cache', async () => {
    const wechat = await emulator()
    const { tokens } = manager(wechat, sqliteStore().wechatTokenCache)
    const first = await Promise.all(Array.from({ length: 50 }, () => tokens.get()))
    expect(new Set(first).size).toBe(1)
    for (let i = 0; i < 20; i += 1) expect(await tokens.get()).toBe(first[0])
    expect(wechat.accessTokenStats()).toMatchObject({ calls: 1, issued: 1, forceRefreshes: 0 })
  })

  it('two instances over one SQLite file share one token: the second never calls stable_token', async () => {
    const wechat = await emulator()
    const path = join(dir, 'shared.db')
    const a = manager(wechat, sqliteStore(path).wechatTokenCache)
    const b = manager(wechat, sqliteStore(path).wechatTokenCache)
    const [fromA, fromB] = await Promise.all([a.tokens.get(), b.tokens.get()])
    expect(fromB).toBe(fromA)
    expect(await phoneCall(wechat, b.api)).toBe('13800138000')
    expect(wechat.accessTokenStats()).toMatchObject({ calls: 1, issued: 1 })
  })

  it('refreshes in the background once the token is in its last minutes, one call, callers served meanwhile', async () => {
    const clock = manualClock()
    const wechat = await emulator({ now: clock.now })
    const { tokens, events } = manager(wechat, sqliteStore().wechatTokenCache, { now: clock.now })
    const old = await tokens.get()
    clock.advance(2 * HOUR - 4 * MINUTE)
    // Inside WeChat's five-minute hand-over: everyone gets the current token at once, one refresh starts.
    const during = await Promise.all(Array.from({ length: 20 }, () => tokens.get()))
    expect(during.every((token) => token === old)).toBe(true)
    await expect.poll(() => tokens.get(), { timeout: 5_000 }).not.toBe(old)
    expect(wechat.accessTokenStats()).toMatchObject({ calls: 2, issued: 2, forceRefreshes: 0, live: 2 })
    expect(events.filter((event) => event.type === 'refreshed')).toHaveLength(2)
  })

  it('an expired token (42001) is replaced with a normal refresh, the call retried once', async () => {
    const wechat = await emulator()
    const { tokens, api } = manager(wechat, sqliteStore().wechatTokenCache)
    const before = await tokens.get()
    wechat.expireAccessToken()
    expect(await phoneCall(wechat, api)).toBe('13800138000')
    expect(await tokens.get()).not.toBe(before)
    expect(wechat.accessTokenStats()).toMatchObject({ calls: 2, issued: 2, forceRefreshes: 0, forceRefreshCalls: 0 })
    expect(wechat.stats().apis.getPhoneNumber).toMatchObject({ calls: 2, ok: 1, errors: { '42001': 1 } })
  })

  it('forces a refresh only when normal mode answers the refused token again, and not again within the interval', async () => {
    const clock = manualClock()
    const wechat = await emulator({ now: clock.now })
    const { tokens, api, events } = manager(wechat, sqliteStore().wechatTokenCache, { now: clock.now })
    const before = await tokens.get()

    // WeChat says the token is no longer the latest, though stable_token still hands it out.
    wechat.faultsOf('getPhoneNumber').failNext(1, 40001)
    expect(await phoneCall(wechat, api)).toBe('13800138000')
    expect(await tokens.get()).not.toBe(before)
    expect(wechat.accessTokenStats()).toMatchObject({ forceRefreshCalls: 1, forceRefreshes: 1 })

    // The same again at once: normal mode answers the new token, and a force refresh is withheld: no other token, no retry.
    wechat.faultsOf('getPhoneNumber').failNext(1, 40001)
    const error = await rejection(phoneCall(wechat, api))
    expect(isWechatApiError(error) && error.errcode).toBe(40001)
    expect(isWechatApiError(error) && httpForWechatApiError(error)).toMatchObject({ status: 503, error: 'upstream_unavailable' })
    expect(wechat.stats().apis.getPhoneNumber.errors['40001']).toBe(2)
    expect(wechat.accessTokenStats()).toMatchObject({ forceRefreshCalls: 1, forceRefreshes: 1 })
    expect(events).toContainEqual({ type: 'force_refresh_withheld', reason: 'interval' })

    // Past the interval the next refusal may force again.
    clock.advance(31_000)
    wechat.faultsOf('getPhoneNumber').failNext(1, 40001)
    expect(await phoneCall(wechat, api)).toBe('13800138000')
    expect(wechat.accessTokenStats()).toMatchObject({ forceRefreshCalls: 2, forceRefreshes: 2 })
  })

  it('counts force refreshes for every instance together, and stops at the daily budget', async () => {
    const clock = manualClock()
    const wechat = await emulator({ now: clock.now })
    const path = join(dir, 'force-budget.db')
    const options = { now: clock.now, maxForceRefreshesPerDay: 2, forceRefreshIntervalMs: 0 }
    const a = manager(wechat, sqliteStore(path).wechatTokenCache, options)
    const b = manager(wechat, sqliteStore(path).wechatTokenCache, options)
    for (const instance of [a, b]) {
      clock.advance(31_000)
      wechat.faultsOf('getPhoneNumber').failNext(1, 40014)
      expect(await phoneCall(wechat, instance.api)).toBe('13800138000')
    }
    clock.advance(31_000)
    wechat.faultsOf('getPhoneNumber').failNext(1, 40001)
    expect(isWechatApiError(await rejection(phoneCall(wechat, a.api)))).toBe(true)
    expect(a.events).toContainEqual({ type: 'force_refresh_withheld', reason: 'daily_limit' })
    expect(wechat.accessTokenStats()).toMatchObject({ forceRefreshCalls: 2, forceRefreshes: 2 })
    // A new UTC day, a new budget.
    clock.advance(24 * HOUR)
    wechat.faultsOf('getPhoneNumber').failNext(1, 40001)
    expect(await phoneCall(wechat, b.api)).toBe('13800138000')
    expect(wechat.accessTokenStats().forceRefreshes).toBe(3)
  })

  it('stops forcing for the day once WeChat answers 45009 (its own daily force-refresh limit)', async () => {
    const wechat = await emulator({ accessToken: { forceRefreshPerDay: 0 } })
    const { api, events } = manager(wechat, sqliteStore().wechatTokenCache, { forceRefreshIntervalMs: 0 })
    await phoneCall(wechat, api)
    wechat.faultsOf('getPhoneNumber').failNext(1, 40001)
    expect(isWechatApiError(await rejection(phoneCall(wechat, api)))).toBe(true)
    expect(events).toContainEqual({ type: 'force_refresh_withheld', reason: 'wechat_daily_quota' })
    wechat.faultsOf('getPhoneNumber').failNext(1, 40001)
    expect(isWechatApiError(await rejection(phoneCall(wechat, api)))).toBe(true)
    // The second time it did not even ask.
    expect(wechat.accessTokenStats().forceRefreshCalls).toBe(1)
  })

  it('a call refused again with its replacement token rejects: one retry per call, never a loop', async () => {
    const wechat = await emulator()
    const { api } = manager(wechat, sqliteStore().wechatTokenCache, { forceRefreshIntervalMs: 0, maxForceRefreshesPerDay: 100 })
    await phoneCall(wechat, api)
    wechat.faultsOf('getPhoneNumber').failNext(100, 40001)
    const error = await rejection(phoneCall(wechat, api))
    expect(isWechatApiError(error) && error.errcode).toBe(40001)
    // The refused call and its one retry with the force-refreshed token.
    expect(wechat.stats().apis.getPhoneNumber.errors['40001']).toBe(2)
    expect(wechat.accessTokenStats().forceRefreshes).toBe(1)
    // Without a fresh token to try, a refusal is not retried at all (42001, but the token is not expired: normal mode gives it back).
    wechat.clearFaults()
    wechat.faultsOf('getPhoneNumber').failNext(100, 42001)
    expect(isWechatApiError(await rejection(phoneCall(wechat, api)))).toBe(true)
    expect(wechat.stats().apis.getPhoneNumber.errors['42001']).toBe(1)
    wechat.clearFaults()
  })

  it('waits for the instance that holds the refresh lock, and uses the token it stores', async () => {
    const wechat = await emulator()
    const cache = sqliteStore().wechatTokenCache
    const { tokens } = manager(wechat, cache)
    expect(await cache.tryLock(APP_ID, 'another-instance', 10_000)).toBe(true)
    const waiting = tokens.get()
    await new Promise((resolve) => setTimeout(resolve, 150))
    // The other instance fetched it (the test stands in for it) and stores it.
    const fetched = await fetch(`${wechat.url}/cgi-bin/stable_token`, {
      method: 'POST',
      body: JSON.stringify({ grant_type: 'client_credential', appid: APP_ID, secret: SECRET }),
    })
    const { access_token: theirs } = (await fetched.json()) as { access_token: string }
    expect(await cache.compareAndSet(APP_ID, undefined, { accessToken: theirs, expiresAt: Date.now() + HOUR })).toBe(true)
    await cache.unlock(APP_ID, 'another-instance')
    expect(await waiting).toBe(theirs)
    expect(wechat.accessTokenStats()).toMatchObject({ calls: 1, issued: 1 })
  })

  it('a call refused with 42001 while a background refresh of its own runs waits for the token another instance is fetching', async () => {
    const clock = manualClock()
    const wechat = await emulator({ now: clock.now })
    const shared = createMemoryTokenCache(clock.now)
    // Instance A reaches the shared cache a little slowly (a Redis round trip under load), so B takes the lock first.
    const slowLock: WechatTokenCache = {
      ...shared,
      tryLock: async (name, owner, ttlMs) => {
        await new Promise((resolve) => setTimeout(resolve, 150))
        return shared.tryLock(name, owner, ttlMs)
      },
    }
    const a = manager(wechat, slowLock, { now: clock.now })
    const b = manager(wechat, shared, { now: clock.now })
    const old = await b.tokens.get()
    // Two minutes left: each instance starts a background refresh; B's takes the lock, and WeChat holds its answer.
    clock.advance(2 * HOUR - 2 * MINUTE)
    const held = wechat.faultsOf('stableToken').holdNext(1)
    await b.tokens.get()
    await held.reached(1)
    wechat.expireAccessToken()
    const call = phoneCall(wechat, a.api)
    setTimeout(() => held.release(), 400)
    expect(await call).toBe('13800138000')
    expect((await shared.get(APP_ID))?.accessToken).not.toBe(old)
    // A never fetched a token itself: it waited for B's.
    expect(wechat.accessTokenStats()).toMatchObject({ calls: 2, forceRefreshCalls: 0 })
  })

  it('takes over once the lock of an instance that died runs out', async () => {
    const wechat = await emulator()
    const cache = sqliteStore().wechatTokenCache
    const { tokens } = manager(wechat, cache, { timeoutMs: 500 })
    expect(await cache.tryLock(APP_ID, 'crashed-instance', 300)).toBe(true)
    const token = await tokens.get()
    expect(token).toMatch(/^\d+_/)
    expect(wechat.accessTokenStats()).toMatchObject({ calls: 1, issued: 1 })
  })

  it('with a wrong AppSecret: a WechatApiError 40125, answered 500 server_misconfigured, the secret in no message', async () => {
    const wechat = await emulator()
    const wrong = 'wrong-secret-NEVER-IN-A-MESSAGE-93a1'
    const tokens = createAccessTokenManager({ appId: APP_ID, secret: wrong, apiBase: wechat.url, cache: createMemoryTokenCache() })
    const error = await rejection(tokens.get())
    expect(isWechatApiError(error) && { api: error.api, errcode: error.errcode }).toEqual({ api: 'stableToken', errcode: 40125 })
    expect(isWechatApiError(error) && httpForWechatApiError(error)).toMatchObject({ status: 500, error: 'server_misconfigured' })
    expect(JSON.stringify({ message: (error as Error).message, stack: (error as Error).stack })).not.toContain(wrong)
  })

  it('never puts the token in an event or an error', async () => {
    const wechat = await emulator()
    const { tokens, api, events } = manager(wechat, sqliteStore().wechatTokenCache, { forceRefreshIntervalMs: 0 })
    const seen = [await tokens.get()]
    wechat.faultsOf('getPhoneNumber').failNext(1, 40001)
    await phoneCall(wechat, api)
    seen.push(await tokens.get())
    wechat.faultsOf('getPhoneNumber').failNext(3, 42001)
    const error = (await rejection(phoneCall(wechat, api))) as Error
    seen.push(await tokens.get())
    const text = JSON.stringify({ events, message: error.message, stack: error.stack, cause: String(error.cause) })
    expect(events.length).toBeGreaterThan(1)
    for (const token of seen) expect(text).not.toContain(token)
    wechat.clearFaults()
  })

  it('refuses bad options at creation, naming the option', () => {
    const cache = createMemoryTokenCache()
    expect(() => createAccessTokenManager({ appId: '', secret: SECRET, cache })).toThrow(/appId/)
    expect(() => createAccessTokenManager({ appId: APP_ID, secret: SECRET, cache, refreshAheadMs: -1 })).toThrow(/refreshAheadMs/)
    expect(() => createAccessTokenManager({ appId: APP_ID, secret: SECRET, cache, apiBase: 'http://example.com' })).toThrow(/https/)
  })
})

describe('the access_token for your own routes', () => {
  it('app.wechatAccessToken() gives the shared token; replaceWechatAccessToken() a replacement when WeChat refused it', async () => {
    const fixture = await startFixture()
    opened.push(fixture)
    const { openid } = await fixture.login()
    // A WeChat API the package does not wrap, called the way an app's own route would.
    const ownCall = async (accessToken: string): Promise<number> => {
      const url = new URL('/wxa/business/getuserphonenumber', fixture.wechat.url)
      url.searchParams.set('access_token', accessToken)
      const code = await fixture.wechat.issuePhoneCode(openid, '13800138000')
      const answer = await fetch(url, { method: 'POST', body: JSON.stringify({ code }) })
      return ((await answer.json()) as { errcode: number }).errcode
    }
    const token = await fixture.app.wechatAccessToken()
    expect(await ownCall(token)).toBe(0)
    fixture.wechat.expireAccessToken()
    expect(await ownCall(token)).toBe(42001)
    const replacement = await fixture.app.replaceWechatAccessToken(token, 42001)
    expect(replacement).not.toBe(token)
    expect(await ownCall(replacement)).toBe(0)
    expect(await fixture.app.wechatAccessToken()).toBe(replacement)

    // Refused again though nothing expired: no other token to be had (normal mode answers the same), so a 503.
    const refused = await rejection(fixture.app.replaceWechatAccessToken(replacement, 42001))
    expect(isHttpError(refused) && { status: refused.statusCode, error: refused.error }).toEqual({
      status: 503,
      error: 'upstream_unavailable',
    })
    await expect(fixture.app.replaceWechatAccessToken(replacement, 40013)).rejects.toBeInstanceOf(RangeError)
    expect(fixture.wechat.accessTokenStats()).toMatchObject({ issued: 2, forceRefreshes: 0 })
  })
})
