import { afterEach, describe, expect, it } from 'vitest'
import { WECHAT_ERRCODES } from '../../src/emulator/index.ts'
import { APP_ID, code2Session, makeEmulators, manualClock, validParams } from './support.ts'

const emulators = makeEmulators()
afterEach(() => emulators.closeAll())

const RID = /, rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$/

describe('GET /sns/jscode2session', () => {
  it('trades a fresh code for { openid, session_key } with no errcode', async () => {
    const emulator = await emulators.start()
    const code = await emulator.issueCode('oUser-success')

    const { status, body } = await code2Session(emulator, validParams(code))

    expect(status).toBe(200)
    expect(body).toEqual({ openid: 'oUser-success', session_key: emulator.sessionKeyOf('oUser-success') })
    expect(body).not.toHaveProperty('errcode')
    expect(body).not.toHaveProperty('unionid')
    expect(Buffer.from(String(body.session_key), 'base64')).toHaveLength(16)
  })

  it('adds unionid when the app is bound to an Open Platform account', async () => {
    const emulator = await emulators.start({ unionIdOf: (openid) => `union-${openid}` })
    const code = await emulator.issueCode('oUser-union')

    const { body } = await code2Session(emulator, validParams(code))

    expect(body.unionid).toBe('union-oUser-union')
  })

  it('gives a random openid-shaped user when issueCode gets none, a different one each time', async () => {
    const emulator = await emulators.start()
    const first = await code2Session(emulator, validParams(await emulator.issueCode()))
    const second = await code2Session(emulator, validParams(await emulator.issueCode()))

    expect(first.body.openid).toMatch(/^o[A-Za-z0-9_-]{27}$/)
    expect(second.body.openid).toMatch(/^o[A-Za-z0-9_-]{27}$/)
    expect(first.body.openid).not.toBe(second.body.openid)
  })

  it.each([
    ['appid missing', { appid: undefined }, WECHAT_ERRCODES.appIdMissing, 'appid missing'],
    ['wrong appid', { appid: 'wx-not-this-app' }, WECHAT_ERRCODES.invalidAppId, 'invalid appid'],
    ['secret missing', { secret: undefined }, WECHAT_ERRCODES.appSecretMissing, 'appsecret missing'],
    ['wrong secret', { secret: 'not-the-secret' }, WECHAT_ERRCODES.invalidAppSecret, 'invalid appsecret'],
    ['js_code missing', { js_code: undefined }, WECHAT_ERRCODES.codeMissing, 'missing code'],
    ['grant_type missing', { grant_type: undefined }, WECHAT_ERRCODES.invalidGrantType, 'invalid grant_type'],
    ['wrong grant_type', { grant_type: 'client_credential' }, WECHAT_ERRCODES.invalidGrantType, 'invalid grant_type'],
  ])('%s → HTTP 200 with errcode %s', async (_name, override, errcode, errmsg) => {
    const emulator = await emulators.start()
    const code = await emulator.issueCode('oUser-params')

    const { status, body } = await code2Session(emulator, { ...validParams(code), ...override })

    expect(status).toBe(200)
    expect(body.errcode).toBe(errcode)
    expect(String(body.errmsg).startsWith(errmsg)).toBe(true)
    expect(body.errmsg).toMatch(RID)
    expect(body).not.toHaveProperty('openid')
    expect(body).not.toHaveProperty('session_key')
  })

  it('does not use the code up on a parameter error', async () => {
    const emulator = await emulators.start()
    const code = await emulator.issueCode('oUser-keep')

    await code2Session(emulator, { ...validParams(code), secret: 'wrong' })
    const { body } = await code2Session(emulator, validParams(code))

    expect(body.openid).toBe('oUser-keep')
  })

  it('answers 40029 for a code it never issued', async () => {
    const emulator = await emulators.start()

    const { body } = await code2Session(emulator, validParams('0'.repeat(32)))

    expect(body.errcode).toBe(WECHAT_ERRCODES.invalidCode)
    expect(body.errmsg).toMatch(/^invalid code, rid: /)
  })

  it('lets a code be used once: the second exchange answers 40163', async () => {
    const emulator = await emulators.start()
    const code = await emulator.issueCode('oUser-once')

    const first = await code2Session(emulator, validParams(code))
    const second = await code2Session(emulator, validParams(code))

    expect(first.body.openid).toBe('oUser-once')
    expect(second.body.errcode).toBe(WECHAT_ERRCODES.codeUsed)
    expect(second.body.errmsg).toMatch(/^code been used, rid: /)
  })

  it('keeps a code valid for 5 minutes and answers 40029 from then on', async () => {
    const clock = manualClock()
    const emulator = await emulators.start({ now: clock.now })
    const fresh = await emulator.issueCode('oUser-ttl')
    const stale = await emulator.issueCode('oUser-ttl')

    clock.advance(5 * 60_000 - 1)
    const justInTime = await code2Session(emulator, validParams(fresh))
    clock.advance(1)
    const tooLate = await code2Session(emulator, validParams(stale))

    expect(justInTime.body.openid).toBe('oUser-ttl')
    expect(tooLate.body.errcode).toBe(WECHAT_ERRCODES.invalidCode)
  })

  it('honours a configured code lifetime', async () => {
    const clock = manualClock()
    const emulator = await emulators.start({ now: clock.now, codeTtlMs: 1_000 })
    const code = await emulator.issueCode('oUser-short')

    clock.advance(1_000)

    expect((await code2Session(emulator, validParams(code))).body.errcode).toBe(WECHAT_ERRCODES.invalidCode)
  })

  it('limits calls per user per minute with 45011, and lets the user in again next minute', async () => {
    const clock = manualClock(Date.UTC(2024, 0, 1, 12, 0, 0))
    const emulator = await emulators.start({ now: clock.now, rateLimit: { max: 2 } })
    const codes = await Promise.all([1, 2, 3].map(() => emulator.issueCode('oUser-busy')))
    const otherUser = await emulator.issueCode('oUser-calm')

    const answers = []
    for (const code of codes) answers.push((await code2Session(emulator, validParams(code))).body)
    const other = (await code2Session(emulator, validParams(otherUser))).body
    clock.advance(60_000)
    const nextMinute = (await code2Session(emulator, validParams(codes[2] ?? ''))).body

    expect(answers[0]?.openid).toBe('oUser-busy')
    expect(answers[1]?.openid).toBe('oUser-busy')
    expect(answers[2]?.errcode).toBe(WECHAT_ERRCODES.minuteQuotaReached)
    expect(answers[2]?.errmsg).toMatch(/^api minute-quota reach limit, must slower, retry next minute, rid: /)
    expect(other.openid).toBe('oUser-calm')
    // The throttled call did not use the code up.
    expect(nextMinute.openid).toBe('oUser-busy')
  })

  it('defaults to WeChat’s 100 calls per user per minute', async () => {
    const clock = manualClock(Date.UTC(2024, 0, 1, 12, 0, 0))
    const emulator = await emulators.start({ now: clock.now })
    const codes = await Promise.all(Array.from({ length: 101 }, () => emulator.issueCode('oUser-hundred')))

    const errcodes: unknown[] = []
    for (const code of codes) errcodes.push((await code2Session(emulator, validParams(code))).body.errcode)

    expect(errcodes.slice(0, 100).every((errcode) => errcode === undefined)).toBe(true)
    expect(errcodes[100]).toBe(WECHAT_ERRCODES.minuteQuotaReached)
  })

  it('can change the rate limit while running', async () => {
    const emulator = await emulators.start()
    emulator.setRateLimit(1)
    const [a, b] = [await emulator.issueCode('oUser-rl'), await emulator.issueCode('oUser-rl')]

    await code2Session(emulator, validParams(a))

    expect((await code2Session(emulator, validParams(b))).body.errcode).toBe(WECHAT_ERRCODES.minuteQuotaReached)
    expect(() => emulator.setRateLimit(-1)).toThrow(RangeError)
  })

  it('blocks a high-risk user with 40226 while the switch is on', async () => {
    const emulator = await emulators.start()
    emulator.setHighRisk('oUser-risky', true)
    const code = await emulator.issueCode('oUser-risky')

    const blocked = await code2Session(emulator, validParams(code))
    emulator.setHighRisk('oUser-risky', false)
    const allowed = await code2Session(emulator, validParams(code))

    expect(blocked.body.errcode).toBe(WECHAT_ERRCODES.codeBlocked)
    expect(blocked.body.errmsg).toMatch(/^code blocked, rid: /)
    expect(allowed.body.openid).toBe('oUser-risky')
  })

  it('requires GET (43001) and answers unknown API paths with 40066', async () => {
    const emulator = await emulators.start()
    const code = await emulator.issueCode('oUser-method')

    const post = await code2Session(emulator, validParams(code), { method: 'POST' })
    const unknown = await fetch(`${emulator.url}/sns/no-such-api`)

    expect(post.body.errcode).toBe(WECHAT_ERRCODES.requireGetMethod)
    expect(unknown.status).toBe(200)
    expect(((await unknown.json()) as { errcode: number }).errcode).toBe(WECHAT_ERRCODES.invalidUrl)
  })

  it('counts calls per endpoint and outcome', async () => {
    const emulator = await emulators.start()
    const code = await emulator.issueCode('oUser-stats')

    await code2Session(emulator, validParams(code))
    await code2Session(emulator, validParams(code))
    await code2Session(emulator, { ...validParams(code), appid: 'other' })

    const code2SessionErrors = { [String(WECHAT_ERRCODES.codeUsed)]: 1, [String(WECHAT_ERRCODES.invalidAppId)]: 1 }
    const untouched = { calls: 0, ok: 0, errors: {} }
    expect(emulator.stats()).toEqual({
      code2Session: 3,
      code2SessionOk: 1,
      code2SessionErrors,
      apis: {
        code2Session: { calls: 3, ok: 1, errors: code2SessionErrors },
        stableToken: untouched,
        getPhoneNumber: untouched,
        checkSessionKey: untouched,
        resetSessionKey: untouched,
      },
      dropped: 0,
      login: 0,
      checkSession: 0,
      inFlight: 0,
    })
    emulator.resetStats()
    expect(emulator.stats().code2Session).toBe(0)
  })

  it('rejects bad options with typed errors', async () => {
    await expect(emulators.start({ appId: '' })).rejects.toThrow(TypeError)
    await expect(emulators.start({ secret: undefined as unknown as string })).rejects.toThrow(TypeError)
    await expect(emulators.start({ port: 70_000 })).rejects.toThrow(RangeError)
    await expect(emulators.start({ latencyMs: -5 })).rejects.toThrow(RangeError)
    await expect(emulators.start({ latencyMs: 2 ** 31 })).rejects.toThrow(RangeError)
    await expect(emulators.start({ codeTtlMs: 0 })).rejects.toThrow(RangeError)
  })

  it('exposes its url and appId, and answers a real HTTP client on 127.0.0.1', async () => {
    const emulator = await emulators.start()

    expect(emulator.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(emulator.appId).toBe(APP_ID)
  })
})
