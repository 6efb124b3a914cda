import { afterEach, describe, expect, it } from 'vitest'
import { PhoneQuotaExhaustedError, WECHAT_ERRCODES, type WechatEmulator } from '../../src/emulator/index.ts'
import { APP_ID, accessTokenOf, makeEmulators, manualClock, wechatGet, wechatPost, type WechatAnswer } from './support.ts'

const emulators = makeEmulators()
afterEach(() => emulators.closeAll())

const PATH = '/wxa/business/getuserphonenumber'

async function exchange(emulator: WechatEmulator, body: unknown, token?: string): Promise<WechatAnswer> {
  return wechatPost(emulator, PATH, { access_token: token ?? (await accessTokenOf(emulator)) }, body)
}

describe('POST /wxa/business/getuserphonenumber', () => {
  it('trades a code for phone_info with errcode 0 and the watermark of the moment the user got the code', async () => {
    const clock = manualClock(Date.UTC(2024, 0, 1, 12, 0, 0, 750))
    const emulator = await emulators.start({ now: clock.now })
    const code = await emulator.issuePhoneCode('oUser-phone', '+86 13800138000')
    clock.advance(90_000)

    const { status, body } = await exchange(emulator, { code })

    expect(status).toBe(200)
    expect(body).toEqual({
      errcode: 0,
      errmsg: 'ok',
      phone_info: {
        phoneNumber: '13800138000',
        purePhoneNumber: '13800138000',
        countryCode: '86',
        watermark: { timestamp: Date.UTC(2024, 0, 1, 12, 0, 0) / 1000, appid: APP_ID },
      },
    })
    expect(code).toMatch(/^[0-9a-f]{64}$/)
  })

  it.each([
    ['13800138000', { phoneNumber: '13800138000', purePhoneNumber: '13800138000', countryCode: '86' }],
    ['+86-13800138000', { phoneNumber: '13800138000', purePhoneNumber: '13800138000', countryCode: '86' }],
    ['+852 61234567', { phoneNumber: '+85261234567', purePhoneNumber: '61234567', countryCode: '852' }],
    ['+1 2025550123', { phoneNumber: '+12025550123', purePhoneNumber: '2025550123', countryCode: '1' }],
  ])('splits %s as WeChat does (country code only on foreign numbers)', async (input, expected) => {
    const emulator = await emulators.start()
    const code = await emulator.issuePhoneCode('oUser-split', input)

    const { body } = await exchange(emulator, { code })

    expect(body.phone_info).toMatchObject(expected)
  })

  it('uses a code once: the second exchange answers 40029', async () => {
    const emulator = await emulators.start()
    const code = await emulator.issuePhoneCode('oUser-once', '13800138000')
    const token = await accessTokenOf(emulator)

    const first = await exchange(emulator, { code }, token)
    const second = await exchange(emulator, { code }, token)

    expect(first.body.errcode).toBe(0)
    expect(second.body.errcode).toBe(WECHAT_ERRCODES.invalidCode)
    expect(second.body.errmsg).toMatch(/^invalid code, rid: /)
    expect(second.body).not.toHaveProperty('phone_info')
  })

  it('answers 40029 for a code five minutes old (token still valid)', async () => {
    const clock = manualClock()
    const emulator = await emulators.start({ now: clock.now })
    const fresh = await emulator.issuePhoneCode('oUser-ttl', '13800138000')
    const stale = await emulator.issuePhoneCode('oUser-ttl', '13800138000')

    clock.advance(5 * 60_000 - 1)
    const justInTime = await exchange(emulator, { code: fresh })
    clock.advance(1)
    const tooLate = await exchange(emulator, { code: stale })

    expect(justInTime.body.errcode).toBe(0)
    expect(tooLate.body.errcode).toBe(WECHAT_ERRCODES.invalidCode)
  })

  it('takes the code lifetime from phoneCodeTtlMs', async () => {
    const clock = manualClock()
    const emulator = await emulators.start({ now: clock.now, phoneCodeTtlMs: 1_000 })
    const code = await emulator.issuePhoneCode('oUser-short', '13800138000')

    clock.advance(1_000)

    expect((await exchange(emulator, { code })).body.errcode).toBe(WECHAT_ERRCODES.invalidCode)
  })

  it('answers 40029 for a code it never issued and 41008 for no code', async () => {
    const emulator = await emulators.start()

    const unknown = await exchange(emulator, { code: 'e31968a7f94cc5ee25fafc2aef2773f0bb8c3937b22520eb8ee345274d00c144' })
    const missing = await exchange(emulator, {})
    const notAString = await exchange(emulator, { code: 42 })

    expect(unknown.body.errcode).toBe(WECHAT_ERRCODES.invalidCode)
    expect(missing.body.errcode).toBe(WECHAT_ERRCODES.codeMissing)
    expect(notAString.body.errcode).toBe(WECHAT_ERRCODES.codeMissing)
  })

  it('answers 40003 when the body names another openid, and the code stays usable', async () => {
    const emulator = await emulators.start()
    const code = await emulator.issuePhoneCode('oUser-owner', '13800138000')

    const wrongUser = await exchange(emulator, { code, openid: 'oUser-someone-else' })
    const rightUser = await exchange(emulator, { code, openid: 'oUser-owner' })

    expect(wrongUser.body.errcode).toBe(WECHAT_ERRCODES.invalidOpenId)
    expect(rightUser.body.errcode).toBe(0)
  })

  it('answers 45011 past the per-user minute limit, without using the code up', async () => {
    const clock = manualClock()
    const emulator = await emulators.start({ now: clock.now, phoneRateLimit: { max: 1 } })
    const first = await emulator.issuePhoneCode('oUser-busy', '13800138000')
    const second = await emulator.issuePhoneCode('oUser-busy', '13800138000')
    const otherUser = await emulator.issuePhoneCode('oUser-calm', '13900139000')

    const ok = await exchange(emulator, { code: first })
    const throttled = await exchange(emulator, { code: second })
    const other = await exchange(emulator, { code: otherUser })
    clock.advance(60_000)
    const later = await exchange(emulator, { code: second })

    expect(ok.body.errcode).toBe(0)
    expect(throttled.body.errcode).toBe(WECHAT_ERRCODES.minuteQuotaReached)
    expect(other.body.errcode).toBe(0)
    expect(later.body.errcode).toBe(0)
  })

  it('defaults to 100 calls per user per minute', async () => {
    const emulator = await emulators.start()
    const token = await accessTokenOf(emulator)
    const codes = await Promise.all(Array.from({ length: 101 }, () => emulator.issuePhoneCode('oUser-hundred', '13800138000')))

    const errcodes: unknown[] = []
    for (const code of codes) errcodes.push((await exchange(emulator, { code }, token)).body.errcode)

    expect(errcodes.filter((errcode) => errcode === 0)).toHaveLength(100)
    expect(errcodes[100]).toBe(WECHAT_ERRCODES.minuteQuotaReached)
  })

  it('checks the access_token first: 41001, 40001, 42001', async () => {
    const emulator = await emulators.start()
    const code = await emulator.issuePhoneCode('oUser-token', '13800138000')
    const token = await accessTokenOf(emulator)

    const missing = await wechatPost(emulator, PATH, {}, { code })
    const unknown = await exchange(emulator, { code }, `${token.slice(0, -4)}AAAA`)
    emulator.expireAccessToken()
    const expired = await exchange(emulator, { code }, token)
    const renewed = await exchange(emulator, { code })

    expect(missing.body.errcode).toBe(WECHAT_ERRCODES.accessTokenMissing)
    expect(unknown.body.errcode).toBe(WECHAT_ERRCODES.invalidCredential)
    expect(expired.body.errcode).toBe(WECHAT_ERRCODES.accessTokenExpired)
    // None of the refused calls used the code up.
    expect(renewed.body.errcode).toBe(0)
  })

  it('answers 43002 for a GET, 44002 for an empty body and 47001 for one that is not JSON', async () => {
    const emulator = await emulators.start()
    const token = await accessTokenOf(emulator)

    const get = await wechatGet(emulator, PATH, { access_token: token })
    const empty = await exchange(emulator, '', token)
    const garbage = await exchange(emulator, 'code=abc', token)

    expect(get.body.errcode).toBe(WECHAT_ERRCODES.requirePostMethod)
    expect(empty.body.errcode).toBe(WECHAT_ERRCODES.emptyPostData)
    expect(garbage.body.errcode).toBe(WECHAT_ERRCODES.dataFormatError)
  })
})

describe('phone-number quota and billing', () => {
  it('bills every code handed out; once the quota is gone the button fails with errno 1400001 and gives no code', async () => {
    const emulator = await emulators.start({ phoneQuota: 2 })
    const first = await emulator.issuePhoneCode('oUser-quota', '13800138000')
    await emulator.issuePhoneCode('oUser-quota', '13800138000')

    const error: unknown = await emulator.issuePhoneCode('oUser-quota', '13800138000').catch((caught: unknown) => caught)
    await exchange(emulator, { code: first })

    expect(error).toBeInstanceOf(PhoneQuotaExhaustedError)
    expect((error as PhoneQuotaExhaustedError).errno).toBe(1400001)
    expect(emulator.phoneNumberStats()).toEqual({ billed: 2, quotaRemaining: 0, exchanged: 1 })
  })

  it('setPhoneQuota refills the quota; Infinity removes the limit', async () => {
    const emulator = await emulators.start({ phoneQuota: 0 })
    await expect(emulator.issuePhoneCode('oUser-refill', '13800138000')).rejects.toThrow(PhoneQuotaExhaustedError)

    emulator.setPhoneQuota(1)
    const code = await emulator.issuePhoneCode('oUser-refill', '13800138000')
    emulator.setPhoneQuota(Number.POSITIVE_INFINITY)
    await emulator.issuePhoneCode('oUser-refill', '13800138000')

    expect((await exchange(emulator, { code })).body.errcode).toBe(0)
    expect(emulator.phoneNumberStats()).toMatchObject({ billed: 2, quotaRemaining: Number.POSITIVE_INFINITY })
  })

  it('counts only successful exchanges as exchanged', async () => {
    const emulator = await emulators.start()
    const code = await emulator.issuePhoneCode('oUser-count', '13800138000')

    await exchange(emulator, { code })
    await exchange(emulator, { code })

    expect(emulator.phoneNumberStats()).toMatchObject({ billed: 1, exchanged: 1 })
    expect(emulator.stats().apis.getPhoneNumber).toEqual({ calls: 2, ok: 1, errors: { [String(WECHAT_ERRCODES.invalidCode)]: 1 } })
  })

  it('rejects bad input to the controls with typed errors that never repeat the number', async () => {
    const emulator = await emulators.start()

    const malformed = await emulator.issuePhoneCode('oUser-bad', '138-0013-8000-secretish').catch((caught: unknown) => caught)
    const glued = await emulator.issuePhoneCode('oUser-bad', '+8613800138000').catch((caught: unknown) => caught)

    expect(malformed).toBeInstanceOf(RangeError)
    expect(String((malformed as Error).message)).not.toContain('secretish')
    expect(glued).toBeInstanceOf(RangeError)
    expect(String((glued as Error).message)).not.toContain('8613800138000')
    await expect(emulator.issuePhoneCode('', '13800138000')).rejects.toThrow(TypeError)
    await expect(emulator.issuePhoneCode('oUser-bad', 13800138000 as unknown as string)).rejects.toThrow(TypeError)
    expect(() => emulator.setPhoneQuota(-1)).toThrow(RangeError)
    expect(() => emulator.setPhoneQuota(1.5)).toThrow(RangeError)
    await expect(emulators.start({ phoneQuota: -1 })).rejects.toThrow(RangeError)
    expect(emulator.phoneNumberStats().billed).toBe(0)
  })
})
