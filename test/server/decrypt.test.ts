import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decryptData, DecryptDataError, verifySignature } from '../../src/server/index.ts'
import { signRawData } from '../../src/server/wechat/index.ts'
import type { DecryptFailure } from '../../src/server/index.ts'
import { startFixture } from './helpers/server-fixture.ts'
import type { Fixture } from './helpers/server-fixture.ts'
import { bearer } from './helpers/server-fixture.ts'
import { encryptData, encryptPlaintext, encryptRawBlocks, randomIv, randomSessionKey } from './helpers/wechat-crypto.ts'

const APP_ID = 'wx4f4bc4dec97d474b'

/** The shape of wx.getUserInfo's decrypted data. */
function userInfo(appid = APP_ID) {
  return {
    openId: 'oGZUI0egBJY1zhBYw2KhdUfwVJJE',
    nickName: 'Band',
    gender: 1,
    language: 'zh_CN',
    city: 'Guangzhou',
    province: 'Guangdong',
    country: 'CN',
    avatarUrl:
      'http://wx.qlogo.cn/mmopen/vi_32/aSKcBBPpibyKNicHNTMM0qJVh8Kjgiak2AHWr8MHM4WgMEm7GFhsf8OYrySdbvAMvTsw3mo8ibKicsnfN5pRjl1p8HQ/0',
    unionId: 'ocMvos6NjeKLIBqg5Mr9QjxrP1FA',
    watermark: { timestamp: 1477314187, appid },
  }
}

function decryptFailure(run: () => unknown): DecryptFailure {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(DecryptDataError)
    return (error as DecryptDataError).failure
  }
  throw new Error('expected decryptData to throw')
}

describe('decryptData', () => {
  it('round-trips data encrypted the way WeChat does', () => {
    const key = randomSessionKey()
    const iv = randomIv()
    const data = userInfo()
    expect(decryptData(key, encryptData(key, data, iv), iv, APP_ID)).toEqual(data)
  })

  it('handles plaintext that is an exact multiple of the block size (a full padding block)', () => {
    const key = randomSessionKey()
    const iv = randomIv()
    let data: Record<string, unknown> = { watermark: { appid: APP_ID }, pad: '' }
    while (JSON.stringify(data).length % 16 !== 0) data = { ...data, pad: `${String(data['pad'])}x` }
    expect(decryptData(key, encryptData(key, data, iv), iv, APP_ID)).toEqual(data)
  })

  it('refuses data decrypted with another key', () => {
    const iv = randomIv()
    // Fixed keys keep the outcome deterministic.
    const right = Buffer.alloc(16, 7).toString('base64')
    const wrong = Buffer.alloc(16, 8).toString('base64')
    const failure = decryptFailure(() => decryptData(wrong, encryptData(right, userInfo(), iv), iv, APP_ID))
    expect(['bad_padding', 'invalid_json']).toContain(failure)
  })

  it('refuses bad PKCS#7 padding', () => {
    const key = randomSessionKey()
    const iv = randomIv()
    const block = Buffer.alloc(16, 0x41)
    block[15] = 0x00 // a pad length of 0 is never valid
    expect(decryptFailure(() => decryptData(key, encryptRawBlocks(key, block, iv), iv, APP_ID))).toBe('bad_padding')
    const inconsistent = Buffer.alloc(16, 0x41)
    inconsistent[15] = 0x03
    inconsistent[14] = 0x03
    inconsistent[13] = 0x02 // claims 3 pad bytes but they differ
    expect(decryptFailure(() => decryptData(key, encryptRawBlocks(key, inconsistent, iv), iv, APP_ID))).toBe('bad_padding')
  })

  it('refuses plaintext that is not a JSON object', () => {
    const key = randomSessionKey()
    const iv = randomIv()
    expect(decryptFailure(() => decryptData(key, encryptPlaintext(key, 'not json at all', iv), iv, APP_ID))).toBe('invalid_json')
    expect(decryptFailure(() => decryptData(key, encryptPlaintext(key, '[1,2,3]', iv), iv, APP_ID))).toBe('invalid_json')
  })

  it('refuses data watermarked for another appid, or not watermarked', () => {
    const key = randomSessionKey()
    const iv = randomIv()
    const other = encryptData(key, userInfo('wx0000000000000000'), iv)
    expect(decryptFailure(() => decryptData(key, other, iv, APP_ID))).toBe('watermark_mismatch')
    const { watermark: _, ...unmarked } = userInfo()
    expect(decryptFailure(() => decryptData(key, encryptData(key, unmarked, iv), iv, APP_ID))).toBe('watermark_mismatch')
  })

  it('refuses malformed inputs with the matching failure', () => {
    const key = randomSessionKey()
    const iv = randomIv()
    const data = encryptData(key, userInfo(), iv)
    expect(decryptFailure(() => decryptData(Buffer.alloc(24).toString('base64'), data, iv, APP_ID))).toBe('invalid_key')
    expect(decryptFailure(() => decryptData('not base64!', data, iv, APP_ID))).toBe('invalid_key')
    expect(decryptFailure(() => decryptData(key, data, Buffer.alloc(8).toString('base64'), APP_ID))).toBe('invalid_iv')
    expect(decryptFailure(() => decryptData(key, data.slice(0, -4), iv, APP_ID))).toBe('invalid_data')
    expect(decryptFailure(() => decryptData(key, '@@@@', iv, APP_ID))).toBe('invalid_data')
    expect(decryptFailure(() => decryptData(key, '', iv, APP_ID))).toBe('invalid_data')
    expect(() => decryptData(key, data, iv, '')).toThrow(TypeError)
  })

  it('never puts the session key in an error', () => {
    const key = randomSessionKey()
    const iv = randomIv()
    let caught: unknown
    try {
      decryptData(key, encryptPlaintext(key, 'nope', iv), iv, APP_ID)
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(DecryptDataError)
    expect(String(caught)).not.toContain(key)
    expect((caught as Error).stack).not.toContain(key)
  })
})

describe('verifySignature', () => {
  const sessionKey = 'HyVFkGl5F5OQWJZZaNzBBg=='
  const rawData = '{"nickName":"Band","gender":1,"language":"zh_CN","city":"Guangzhou","province":"Guangdong","country":"CN"}'

  it('accepts sha1(rawData + session_key) in hex', () => {
    const signature = signRawData(rawData, sessionKey)
    expect(signature).toMatch(/^[0-9a-f]{40}$/)
    expect(verifySignature(rawData, signature, sessionKey)).toBe(true)
    expect(verifySignature(rawData, signature.toUpperCase(), sessionKey)).toBe(true)
  })

  it('rejects a signature for other data or another key', () => {
    const signature = signRawData(rawData, sessionKey)
    expect(verifySignature(`${rawData} `, signature, sessionKey)).toBe(false)
    expect(verifySignature(rawData, signature, randomSessionKey())).toBe(false)
    const flipped = (signature.startsWith('0') ? '1' : '0') + signature.slice(1)
    expect(verifySignature(rawData, flipped, sessionKey)).toBe(false)
  })

  it('is false on a length mismatch or a non-string, instead of throwing', () => {
    const signature = signRawData(rawData, sessionKey)
    expect(verifySignature(rawData, signature.slice(0, -1), sessionKey)).toBe(false)
    expect(verifySignature(rawData, `${signature}0`, sessionKey)).toBe(false)
    expect(verifySignature(rawData, '', sessionKey)).toBe(false)
    expect(verifySignature(rawData, `${signature.slice(0, -1)}é`, sessionKey)).toBe(false)
    expect(verifySignature(rawData, undefined as unknown as string, sessionKey)).toBe(false)
  })

  it('throws a TypeError without a session key', () => {
    expect(() => verifySignature(rawData, 'x', '')).toThrow(TypeError)
  })
})

describe('POST /auth/decrypt', () => {
  let fixture: Fixture

  beforeAll(async () => {
    fixture = await startFixture()
  })

  afterAll(async () => {
    await fixture.close()
  })

  it("decrypts with the caller's own session_key", async () => {
    const { token, openid } = await fixture.login()
    const data = userInfo(fixture.wechat.appId)
    const { encryptedData, iv } = fixture.wechat.encryptForUser(openid, data)
    const response = await fixture.app.inject({
      method: 'POST',
      url: '/auth/decrypt',
      headers: bearer(token),
      payload: { encryptedData, iv },
    })
    expect(response.statusCode).toBe(200)
    expect(response.json<{ data: Record<string, unknown> }>().data).toMatchObject({ ...data, watermark: { appid: fixture.wechat.appId } })
    expect(response.body).not.toContain(fixture.wechat.sessionKeyOf(openid))
  })

  it("answers 400 decrypt_failed for data encrypted with someone else's key, once WeChat says the key is current", async () => {
    const { token, openid } = await fixture.login()
    const iv = randomIv()
    fixture.wechat.resetStats()
    const response = await fixture.app.inject({
      method: 'POST',
      url: '/auth/decrypt',
      headers: bearer(token),
      payload: { encryptedData: encryptData(randomSessionKey(), userInfo(fixture.wechat.appId), iv), iv },
    })
    expect(response.statusCode).toBe(400)
    expect(response.json()).toEqual({ error: 'decrypt_failed', message: expect.any(String) })
    expect(fixture.wechat.stats().apis.checkSessionKey).toMatchObject({ calls: 1, ok: 1 })
    expect(fixture.wechat.sessionKeyOf(openid)).toBeDefined()
  })

  it('answers 400 decrypt_failed for data issued to another mini-program, without asking WeChat', async () => {
    const { token, openid } = await fixture.login()
    const iv = randomIv()
    // The user's own key, data watermarked for another app (encryptForUser would stamp the emulator's appid).
    const otherApp = encryptData(fixture.wechat.sessionKeyOf(openid) ?? '', userInfo('wx1111111111111111'), iv)
    fixture.wechat.resetStats()
    const response = await fixture.app.inject({
      method: 'POST',
      url: '/auth/decrypt',
      headers: bearer(token),
      payload: { encryptedData: otherApp, iv },
    })
    expect(response.statusCode).toBe(400)
    expect(response.json()).toMatchObject({ error: 'decrypt_failed', message: expect.stringContaining('mini-program') })
    expect(fixture.wechat.stats().apis.checkSessionKey.calls).toBe(0)
  })

  it('answers 401 session_expired without a live session', async () => {
    const iv = randomIv()
    const response = await fixture.app.inject({
      method: 'POST',
      url: '/auth/decrypt',
      headers: bearer('D'.repeat(43)),
      payload: { encryptedData: encryptData(randomSessionKey(), userInfo(), iv), iv },
    })
    expect(response.statusCode).toBe(401)
    expect(response.json()).toMatchObject({ error: 'session_expired' })
  })
})
