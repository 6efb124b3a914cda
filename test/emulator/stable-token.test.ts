import { afterEach, describe, expect, it } from 'vitest'
import { sessionSignature, WECHAT_ERRCODES, type WechatEmulator } from '../../src/emulator/index.ts'
import { APP_ID, SECRET, loginAs, makeEmulators, manualClock, stableToken, wechatGet, wechatPost } from './support.ts'

const emulators = makeEmulators()
afterEach(() => emulators.closeAll())

const RID = /, rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$/
const SECOND = 1_000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE

/** A logged-in user whose checksession call shows whether a token is accepted (errcode 0) or why not. */
async function tokenProbe(emulator: WechatEmulator): Promise<(token: string) => Promise<unknown>> {
  const sessionKey = await loginAs(emulator, 'oUser-probe')
  return async (token) => {
    const { body } = await wechatGet(emulator, '/wxa/checksession', {
      access_token: token,
      openid: 'oUser-probe',
      signature: sessionSignature(sessionKey),
      sig_method: 'hmac_sha256',
    })
    return body.errcode
  }
}

describe('POST /cgi-bin/stable_token, normal mode', () => {
  it('answers { access_token, expires_in: 7200 } with no errcode, an opaque token WeChat-sized', async () => {
    const emulator = await emulators.start()

    const { status, body } = await stableToken(emulator)

    expect(status).toBe(200)
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in'])
    expect(body.expires_in).toBe(7200)
    expect(body.access_token).toMatch(/^\d+_[A-Za-z0-9_-]{100,}$/)
    expect(String(body.access_token).length).toBeLessThanOrEqual(512)
  })

  it('keeps the same token while it is valid, expires_in counting down', async () => {
    const clock = manualClock()
    const emulator = await emulators.start({ now: clock.now })

    const first = await stableToken(emulator)
    clock.advance(1000 * SECOND + 400)
    const second = await stableToken(emulator, { force_refresh: false })

    expect(second.body.access_token).toBe(first.body.access_token)
    expect(second.body.expires_in).toBe(6199)
    expect(emulator.accessTokenStats()).toMatchObject({ calls: 2, issued: 1, forceRefreshes: 0, live: 1 })
  })

  it('in the last five minutes hands out a new token while the old one works until its own expiry', async () => {
    const clock = manualClock()
    const emulator = await emulators.start({ now: clock.now })
    const probe = await tokenProbe(emulator)
    const old = String((await stableToken(emulator)).body.access_token)

    clock.advance(7200 * SECOND - 5 * MINUTE)
    const renewed = await stableToken(emulator)
    const again = await stableToken(emulator)

    expect(renewed.body.access_token).not.toBe(old)
    expect(renewed.body.expires_in).toBe(7200)
    expect(again.body.access_token).toBe(renewed.body.access_token)
    expect(await probe(old)).toBe(0)
    expect(emulator.accessTokenStats()).toMatchObject({ issued: 2, live: 2 })

    clock.advance(5 * MINUTE - 1)
    expect(await probe(old)).toBe(0)
    clock.advance(1)
    expect(await probe(old)).toBe(WECHAT_ERRCODES.accessTokenExpired)
    expect(await probe(String(renewed.body.access_token))).toBe(0)
  })

  it('never answers expires_in below 300, whenever it is called', async () => {
    const clock = manualClock()
    const emulator = await emulators.start({ now: clock.now })
    const seen: number[] = []

    for (let elapsed = 0; elapsed < 5 * HOUR; elapsed += 97 * SECOND) {
      seen.push(Number((await stableToken(emulator)).body.expires_in))
      clock.advance(97 * SECOND)
    }

    expect(Math.min(...seen)).toBeGreaterThanOrEqual(300)
    expect(Math.max(...seen)).toBe(7200)
  })

  it('gives concurrent callers (two server instances) the one token, issued once', async () => {
    const emulator = await emulators.start()

    const answers = await Promise.all(Array.from({ length: 20 }, () => stableToken(emulator)))

    expect(new Set(answers.map(({ body }) => body.access_token)).size).toBe(1)
    expect(emulator.accessTokenStats()).toMatchObject({ calls: 20, issued: 1, forceRefreshCalls: 0 })
  })
})

describe('POST /cgi-bin/stable_token, force-refresh mode', () => {
  it('issues a new token at once; the replaced one works for the overlap, then answers 40001', async () => {
    const clock = manualClock()
    const emulator = await emulators.start({ now: clock.now })
    const probe = await tokenProbe(emulator)
    const old = String((await stableToken(emulator)).body.access_token)

    const forced = await stableToken(emulator, { force_refresh: true })

    expect(forced.body.access_token).not.toBe(old)
    expect(forced.body.expires_in).toBe(7200)
    expect(await probe(old)).toBe(0)
    clock.advance(5 * MINUTE)
    expect(await probe(old)).toBe(WECHAT_ERRCODES.invalidCredential)
    expect(await probe(String(forced.body.access_token))).toBe(0)
    expect(emulator.accessTokenStats()).toMatchObject({ forceRefreshCalls: 1, forceRefreshes: 1, issued: 2, live: 1 })
  })

  it('a second force refresh 30 s later kills the first token at once (WeChat’s leak procedure)', async () => {
    const clock = manualClock()
    const emulator = await emulators.start({ now: clock.now })
    const probe = await tokenProbe(emulator)
    const leaked = String((await stableToken(emulator)).body.access_token)

    const first = String((await stableToken(emulator, { force_refresh: true })).body.access_token)
    clock.advance(30 * SECOND)
    const second = String((await stableToken(emulator, { force_refresh: true })).body.access_token)

    expect(new Set([leaked, first, second]).size).toBe(3)
    expect(await probe(leaked)).toBe(WECHAT_ERRCODES.invalidCredential)
    expect(await probe(first)).toBe(0)
    expect(await probe(second)).toBe(0)
  })

  it('does not refresh again within 30 s of the previous force refresh', async () => {
    const clock = manualClock()
    const emulator = await emulators.start({ now: clock.now })
    const forced = await stableToken(emulator, { force_refresh: true })

    clock.advance(29 * SECOND)
    const tooSoon = await stableToken(emulator, { force_refresh: true })

    expect(tooSoon.body.access_token).toBe(forced.body.access_token)
    expect(tooSoon.body.expires_in).toBe(7200 - 29)
    expect(emulator.accessTokenStats()).toMatchObject({ forceRefreshCalls: 2, forceRefreshes: 1, issued: 1 })
  })

  it('allows 20 force-refresh calls a day, then answers 45009 until the next day', async () => {
    const clock = manualClock(Date.UTC(2024, 0, 1, 0, 0, 0))
    const emulator = await emulators.start({ now: clock.now })

    const errcodes: unknown[] = []
    for (let i = 0; i < 21; i++) {
      errcodes.push((await stableToken(emulator, { force_refresh: true })).body.errcode)
      clock.advance(31 * SECOND)
    }
    const refused = await stableToken(emulator, { force_refresh: true })
    const normal = await stableToken(emulator)
    clock.set(Date.UTC(2024, 0, 2, 0, 0, 0))
    const nextDay = await stableToken(emulator, { force_refresh: true })

    expect(errcodes.slice(0, 20)).toEqual(Array(20).fill(undefined))
    expect(errcodes[20]).toBe(WECHAT_ERRCODES.dailyQuotaReached)
    expect(refused.body.errmsg).toMatch(/^reach max api daily quota limit, rid: /)
    expect(normal.body.access_token).toEqual(expect.any(String))
    expect(nextDay.body.access_token).toEqual(expect.any(String))
    expect(emulator.accessTokenStats()).toMatchObject({ forceRefreshCalls: 23, forceRefreshes: 21 })
  })

  it('takes its limits from options', async () => {
    const clock = manualClock()
    const emulator = await emulators.start({
      now: clock.now,
      accessToken: { forceRefreshPerDay: 1, forceRefreshMinIntervalMs: 0, forceRefreshOverlapMs: 0 },
    })
    const probe = await tokenProbe(emulator)
    const old = String((await stableToken(emulator)).body.access_token)

    const forced = await stableToken(emulator, { force_refresh: true })
    const refused = await stableToken(emulator, { force_refresh: true })

    expect(forced.body.access_token).not.toBe(old)
    expect(await probe(old)).toBe(WECHAT_ERRCODES.invalidCredential)
    expect(refused.body.errcode).toBe(WECHAT_ERRCODES.dailyQuotaReached)
  })
})

describe('POST /cgi-bin/stable_token, errors', () => {
  const base = { grant_type: 'client_credential', appid: APP_ID, secret: SECRET }

  it.each([
    ['appid missing', { appid: undefined }, WECHAT_ERRCODES.appIdMissing, 'appid missing'],
    ['wrong appid', { appid: 'wx-not-this-app' }, WECHAT_ERRCODES.invalidAppId, 'invalid appid'],
    ['secret missing', { secret: undefined }, WECHAT_ERRCODES.appSecretMissing, 'appsecret missing'],
    ['wrong secret', { secret: 'not-the-secret' }, WECHAT_ERRCODES.invalidAppSecret, 'invalid appsecret'],
    ['grant_type missing', { grant_type: undefined }, WECHAT_ERRCODES.invalidGrantType, 'invalid grant_type'],
    ['wrong grant_type', { grant_type: 'authorization_code' }, WECHAT_ERRCODES.invalidGrantType, 'invalid grant_type'],
    ['force_refresh not a boolean', { force_refresh: 'true' }, WECHAT_ERRCODES.dataFormatError, 'data format error'],
  ])('%s → HTTP 200 with errcode %s', async (_name, override, errcode, errmsg) => {
    const emulator = await emulators.start()

    const { status, body } = await wechatPost(emulator, '/cgi-bin/stable_token', {}, { ...base, ...override })

    expect(status).toBe(200)
    expect(body.errcode).toBe(errcode)
    expect(String(body.errmsg).startsWith(errmsg)).toBe(true)
    expect(body.errmsg).toMatch(RID)
    expect(body).not.toHaveProperty('access_token')
    expect(emulator.accessTokenStats().issued).toBe(0)
  })

  it.each([
    ['an empty body', '', WECHAT_ERRCODES.emptyPostData],
    ['a body that is not JSON', 'grant_type=client_credential', WECHAT_ERRCODES.dataFormatError],
    ['a JSON array', '[]', WECHAT_ERRCODES.dataFormatError],
  ])('%s → errcode %s', async (_name, body, errcode) => {
    const emulator = await emulators.start()

    const answer = await wechatPost(emulator, '/cgi-bin/stable_token', {}, body)

    expect(answer.body.errcode).toBe(errcode)
  })

  it('answers a GET with 43002 (require POST method)', async () => {
    const emulator = await emulators.start()

    const { body } = await wechatGet(emulator, '/cgi-bin/stable_token', { grant_type: 'client_credential', appid: APP_ID, secret: SECRET })

    expect(body.errcode).toBe(WECHAT_ERRCODES.requirePostMethod)
  })

  it('answers 45011 past the per-minute limit and 45009 past the daily one', async () => {
    const clock = manualClock(Date.UTC(2024, 0, 1, 0, 0, 0))
    const emulator = await emulators.start({ now: clock.now, accessToken: { perMinute: 2, perDay: 3 } })

    const minute = [await stableToken(emulator), await stableToken(emulator), await stableToken(emulator)]
    clock.advance(MINUTE)
    const day = [await stableToken(emulator), await stableToken(emulator)]
    clock.set(Date.UTC(2024, 0, 2, 0, 0, 0))
    const tomorrow = await stableToken(emulator)

    expect(minute.map(({ body }) => body.errcode)).toEqual([undefined, undefined, WECHAT_ERRCODES.minuteQuotaReached])
    // The call refused for the minute did not count for the day: two plus one make the day's three.
    expect(day.map(({ body }) => body.errcode)).toEqual([undefined, WECHAT_ERRCODES.dailyQuotaReached])
    expect(tomorrow.body.access_token).toEqual(expect.any(String))
  })

  it('rejects nonsense token options with typed errors', async () => {
    await expect(emulators.start({ accessToken: { ttlMs: 60_000, refreshAheadMs: 60_000 } })).rejects.toThrow(RangeError)
    await expect(emulators.start({ accessToken: { forceRefreshPerDay: -1 } })).rejects.toThrow(RangeError)
    await expect(emulators.start({ accessToken: { perMinute: 1.5 } })).rejects.toThrow(RangeError)
    await expect(emulators.start({ accessToken: { forceRefreshOverlapMs: Number.NaN } })).rejects.toThrow(RangeError)
  })

  it('shortens the default refresh-ahead window for a short ttlMs', async () => {
    const clock = manualClock()
    const emulator = await emulators.start({ now: clock.now, accessToken: { ttlMs: 60_000 } })

    const first = await stableToken(emulator)
    clock.advance(29 * SECOND)
    const same = await stableToken(emulator)
    clock.advance(SECOND)
    const renewed = await stableToken(emulator)

    expect(first.body.expires_in).toBe(60)
    expect(same.body.access_token).toBe(first.body.access_token)
    expect(renewed.body.access_token).not.toBe(first.body.access_token)
  })
})

describe('access_token on the other APIs', () => {
  it('answers 41001, 40014, 40001 and 42001 as WeChat does', async () => {
    const emulator = await emulators.start()
    const probe = await tokenProbe(emulator)
    const { body } = await stableToken(emulator)
    const token = String(body.access_token)

    expect(await probe(token)).toBe(0)
    expect(await probe('')).toBe(WECHAT_ERRCODES.accessTokenMissing)
    expect(await probe('not a token!')).toBe(WECHAT_ERRCODES.invalidAccessToken)
    expect(await probe(`${token.slice(0, -4)}AAAA`)).toBe(WECHAT_ERRCODES.invalidCredential)
    emulator.expireAccessToken()
    expect(await probe(token)).toBe(WECHAT_ERRCODES.accessTokenExpired)
  })

  it('expireAccessToken: the next normal call issues a new token, which works', async () => {
    const emulator = await emulators.start()
    const probe = await tokenProbe(emulator)
    const old = String((await stableToken(emulator)).body.access_token)

    emulator.expireAccessToken()
    const renewed = await stableToken(emulator)

    expect(renewed.body.access_token).not.toBe(old)
    expect(renewed.body.expires_in).toBe(7200)
    expect(await probe(String(renewed.body.access_token))).toBe(0)
    expect(emulator.accessTokenStats()).toMatchObject({ issued: 2, live: 1 })
  })

  it('answers a missing access_token before anything else the API checks', async () => {
    const emulator = await emulators.start()

    const phone = await wechatPost(emulator, '/wxa/business/getuserphonenumber', {}, {})
    const reset = await wechatGet(emulator, '/wxa/resetusersessionkey', { openid: 'oNobody' })

    expect(phone.body.errcode).toBe(WECHAT_ERRCODES.accessTokenMissing)
    expect(reset.body.errcode).toBe(WECHAT_ERRCODES.accessTokenMissing)
  })

  it('resetStats zeroes the counters but keeps the token working', async () => {
    const emulator = await emulators.start()
    const probe = await tokenProbe(emulator)
    const token = String((await stableToken(emulator, { force_refresh: true })).body.access_token)

    emulator.resetStats()

    expect(emulator.accessTokenStats()).toEqual({ calls: 0, forceRefreshCalls: 0, forceRefreshes: 0, issued: 0, live: 1 })
    expect(await probe(token)).toBe(0)
  })
})
