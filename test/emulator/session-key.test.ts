import { createDecipheriv, createHmac } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { sessionSignature, WECHAT_ERRCODES, type WechatEmulator } from '../../src/emulator/index.ts'
import {
  accessTokenOf,
  code2Session,
  loginAs,
  makeEmulators,
  manualClock,
  validParams,
  wechatGet,
  wechatPost,
  type WechatAnswer,
} from './support.ts'

const emulators = makeEmulators()
afterEach(() => emulators.closeAll())

const CHECK = '/wxa/checksession'
const RESET = '/wxa/resetusersessionkey'

async function callWith(
  emulator: WechatEmulator,
  path: string,
  openid: string,
  sessionKey: string,
  extra: Record<string, string> = {},
): Promise<WechatAnswer> {
  return wechatGet(emulator, path, {
    access_token: await accessTokenOf(emulator),
    openid,
    signature: sessionSignature(sessionKey),
    sig_method: 'hmac_sha256',
    ...extra,
  })
}

/** What a developer server does with `{ encryptedData, iv }`; throws when the key is wrong. */
function decrypt(sessionKey: string, encryptedData: string, iv: string): unknown {
  const decipher = createDecipheriv('aes-128-cbc', Buffer.from(sessionKey, 'base64'), Buffer.from(iv, 'base64'))
  const plaintext = Buffer.concat([decipher.update(Buffer.from(encryptedData, 'base64')), decipher.final()])
  return JSON.parse(plaintext.toString('utf8'))
}

async function checkSession(emulator: WechatEmulator, openid: string, sessionKey: string): Promise<unknown> {
  return (await callWith(emulator, CHECK, openid, sessionKey)).body.errcode
}

describe('the login-state signature', () => {
  it('is hmac_sha256 keyed with the session_key over the empty string, in hex', () => {
    // Reference values computed outside Node (Python's hmac): the key is the session_key's base64 text.
    expect(sessionSignature('key')).toBe('5d5d139563c95b5967b9bd9a8c9b233a9dedb45072794cd232dc1b74832607d0')
    expect(sessionSignature('AAAAAAAAAAAAAAAAAAAAAA==')).toBe('bec9171a53a089f8e04a5669340364d6d6bee940b445c4ccae8a0a42bb0fba8f')
    // The common mistake (session_key as the message) gives something else.
    expect(createHmac('sha256', '').update('key').digest('hex')).not.toBe(sessionSignature('key'))
  })
})

describe('GET /wxa/checksession', () => {
  it('answers { errcode: 0, errmsg: "ok" } for the user’s current session_key', async () => {
    const emulator = await emulators.start()
    const sessionKey = await loginAs(emulator, 'oUser-check')

    const { status, body } = await callWith(emulator, CHECK, 'oUser-check', sessionKey)

    expect(status).toBe(200)
    expect(body).toEqual({ errcode: 0, errmsg: 'ok' })
  })

  it('accepts the signature in upper-case hex too', async () => {
    const emulator = await emulators.start()
    const sessionKey = await loginAs(emulator, 'oUser-upper')

    const { body } = await callWith(emulator, CHECK, 'oUser-upper', sessionKey, { signature: sessionSignature(sessionKey).toUpperCase() })

    expect(body.errcode).toBe(0)
  })

  it.each([
    ['a signature of another key', { signature: sessionSignature('bm90IHRoZSBrZXkgYXQgYWxs') }],
    ['a truncated signature', { signature: 'abc123' }],
    ['no signature', { signature: '' }],
    ['sig_method other than hmac_sha256', { sig_method: 'md5' }],
  ])('answers 87009 (invalid signature) for %s', async (_name, extra) => {
    const emulator = await emulators.start()
    const sessionKey = await loginAs(emulator, 'oUser-bad-sig')

    const { body } = await callWith(emulator, CHECK, 'oUser-bad-sig', sessionKey, extra)

    expect(body.errcode).toBe(WECHAT_ERRCODES.invalidSignature)
    expect(body.errmsg).toMatch(/^invalid signature, rid: /)
  })

  it('answers 40003 for no openid or one that never logged in', async () => {
    const emulator = await emulators.start()
    const sessionKey = await loginAs(emulator, 'oUser-known')

    const missing = await callWith(emulator, CHECK, '', sessionKey)
    const stranger = await callWith(emulator, CHECK, 'oUser-stranger', sessionKey)

    expect(missing.body.errcode).toBe(WECHAT_ERRCODES.invalidOpenId)
    expect(stranger.body.errcode).toBe(WECHAT_ERRCODES.invalidOpenId)
  })

  it('answers 87009 once WeChat’s side of the session expired', async () => {
    const clock = manualClock()
    const emulator = await emulators.start({ now: clock.now, sessionTtlMs: 60_000 })
    const sessionKey = await loginAs(emulator, 'oUser-expiring')
    const other = await loginAs(emulator, 'oUser-expired-by-hand')

    emulator.expireSession('oUser-expired-by-hand')
    expect(await checkSession(emulator, 'oUser-expired-by-hand', other)).toBe(WECHAT_ERRCODES.invalidSignature)
    expect(await checkSession(emulator, 'oUser-expiring', sessionKey)).toBe(0)
    clock.advance(60_000)
    expect(await checkSession(emulator, 'oUser-expiring', sessionKey)).toBe(WECHAT_ERRCODES.invalidSignature)
  })

  it('answers 43001 for a POST and checks the access_token (41001, 42001)', async () => {
    const emulator = await emulators.start()
    const sessionKey = await loginAs(emulator, 'oUser-method')
    const token = await accessTokenOf(emulator)
    const query = { access_token: token, openid: 'oUser-method', signature: sessionSignature(sessionKey), sig_method: 'hmac_sha256' }

    const post = await wechatPost(emulator, CHECK, query, {})
    const noToken = await wechatGet(emulator, CHECK, { ...query, access_token: '' })
    emulator.expireAccessToken()
    const expired = await wechatGet(emulator, CHECK, query)

    expect(post.body.errcode).toBe(WECHAT_ERRCODES.requireGetMethod)
    expect(noToken.body.errcode).toBe(WECHAT_ERRCODES.accessTokenMissing)
    expect(expired.body.errcode).toBe(WECHAT_ERRCODES.accessTokenExpired)
  })
})

describe('session_key rotation', () => {
  it('a later login rotates the key: the older one answers 87009, the new one 0', async () => {
    const emulator = await emulators.start()
    const older = await loginAs(emulator, 'oUser-relogin')
    const newer = await loginAs(emulator, 'oUser-relogin')

    expect(newer).not.toBe(older)
    expect(emulator.sessionKeyOf('oUser-relogin')).toBe(newer)
    expect(await checkSession(emulator, 'oUser-relogin', older)).toBe(WECHAT_ERRCODES.invalidSignature)
    expect(await checkSession(emulator, 'oUser-relogin', newer)).toBe(0)
  })

  it('a code exchanged after a later login hands out its own, already stale key', async () => {
    const emulator = await emulators.start()
    const firstCode = await emulator.issueCode('oUser-race')
    await emulator.issueCode('oUser-race')

    const { body } = await code2Session(emulator, validParams(firstCode))

    expect(body.session_key).not.toBe(emulator.sessionKeyOf('oUser-race'))
    expect(await checkSession(emulator, 'oUser-race', String(body.session_key))).toBe(WECHAT_ERRCODES.invalidSignature)
  })

  it('with rotateSessionKeyOnLogin: false, logins keep the key', async () => {
    const emulator = await emulators.start({ rotateSessionKeyOnLogin: false })
    const first = await loginAs(emulator, 'oUser-steady')
    const second = await loginAs(emulator, 'oUser-steady')

    expect(second).toBe(first)
    expect(await checkSession(emulator, 'oUser-steady', first)).toBe(0)
  })

  it('rotateSessionKey stands for WeChat’s data pre-fetch: a new current key, the old one stale', async () => {
    const emulator = await emulators.start({ rotateSessionKeyOnLogin: false })
    const old = await loginAs(emulator, 'oUser-prefetch')

    const rotated = emulator.rotateSessionKey('oUser-prefetch')

    expect(rotated).not.toBe(old)
    expect(Buffer.from(rotated, 'base64')).toHaveLength(16)
    expect(emulator.sessionKeyOf('oUser-prefetch')).toBe(rotated)
    expect(await checkSession(emulator, 'oUser-prefetch', old)).toBe(WECHAT_ERRCODES.invalidSignature)
    expect(await checkSession(emulator, 'oUser-prefetch', rotated)).toBe(0)
    expect(() => emulator.rotateSessionKey('oUser-never-seen')).toThrow(RangeError)
    expect(() => emulator.rotateSessionKey('')).toThrow(TypeError)
  })

  it('encryptForUser follows the rotation: data encrypted after it opens with the new key only', async () => {
    const emulator = await emulators.start()
    const old = await loginAs(emulator, 'oUser-encrypt')
    const rotated = emulator.rotateSessionKey('oUser-encrypt')

    const { encryptedData, iv } = emulator.encryptForUser('oUser-encrypt', { openid: 'oUser-encrypt' })

    expect(decrypt(rotated, encryptedData, iv)).toMatchObject({ openid: 'oUser-encrypt' })
    // With the stale key the padding (almost always) fails, or the bytes are not the JSON.
    expect(() => JSON.stringify(decrypt(old, encryptedData, iv))).toThrow()
  })

  it('rejects a non-boolean rotateSessionKeyOnLogin', async () => {
    await expect(emulators.start({ rotateSessionKeyOnLogin: 'no' as unknown as boolean })).rejects.toThrow(TypeError)
  })
})

describe('GET /wxa/resetusersessionkey', () => {
  it('answers the new key; the old one stops working and the new one works', async () => {
    const emulator = await emulators.start()
    const old = await loginAs(emulator, 'oUser-reset')

    const { status, body } = await callWith(emulator, RESET, 'oUser-reset', old)

    expect(status).toBe(200)
    expect(body).toEqual({ errcode: 0, errmsg: 'ok', openid: 'oUser-reset', session_key: emulator.sessionKeyOf('oUser-reset') })
    expect(body.session_key).not.toBe(old)
    expect(Buffer.from(String(body.session_key), 'base64')).toHaveLength(16)
    expect(await checkSession(emulator, 'oUser-reset', old)).toBe(WECHAT_ERRCODES.invalidSignature)
    expect(await checkSession(emulator, 'oUser-reset', String(body.session_key))).toBe(0)
  })

  it('refuses a stale signature with 87009 and leaves the key as it was', async () => {
    const emulator = await emulators.start()
    const older = await loginAs(emulator, 'oUser-reset-stale')
    const current = await loginAs(emulator, 'oUser-reset-stale')

    const { body } = await callWith(emulator, RESET, 'oUser-reset-stale', older)

    expect(body.errcode).toBe(WECHAT_ERRCODES.invalidSignature)
    expect(body).not.toHaveProperty('session_key')
    expect(emulator.sessionKeyOf('oUser-reset-stale')).toBe(current)
  })

  it('keeps the old key’s expiry: a reset does not extend the login state', async () => {
    const clock = manualClock()
    const emulator = await emulators.start({ now: clock.now, sessionTtlMs: 10 * 60_000 })
    const old = await loginAs(emulator, 'oUser-reset-ttl')

    clock.advance(8 * 60_000)
    const { body } = await callWith(emulator, RESET, 'oUser-reset-ttl', old)
    const renewed = String(body.session_key)
    clock.advance(2 * 60_000 - 1)
    const before = await checkSession(emulator, 'oUser-reset-ttl', renewed)
    clock.advance(1)
    const after = await checkSession(emulator, 'oUser-reset-ttl', renewed)

    expect(before).toBe(0)
    expect(after).toBe(WECHAT_ERRCODES.invalidSignature)
  })

  it('answers 40003 for a user who never logged in, 43001 for a POST, 41001 without a token', async () => {
    const emulator = await emulators.start()
    const sessionKey = await loginAs(emulator, 'oUser-reset-errors')
    const token = await accessTokenOf(emulator)

    const stranger = await callWith(emulator, RESET, 'oUser-nobody', sessionKey)
    const post = await wechatPost(emulator, RESET, { access_token: token, openid: 'oUser-reset-errors' }, {})
    const noToken = await wechatGet(emulator, RESET, {
      openid: 'oUser-reset-errors',
      signature: sessionSignature(sessionKey),
      sig_method: 'hmac_sha256',
    })

    expect(stranger.body.errcode).toBe(WECHAT_ERRCODES.invalidOpenId)
    expect(post.body.errcode).toBe(WECHAT_ERRCODES.requireGetMethod)
    expect(noToken.body.errcode).toBe(WECHAT_ERRCODES.accessTokenMissing)
    expect(emulator.sessionKeyOf('oUser-reset-errors')).toBe(sessionKey)
  })

  it('answers 45011 past the app’s per-minute limit', async () => {
    const clock = manualClock()
    const emulator = await emulators.start({ now: clock.now, resetSessionKeyRateLimit: { max: 1 } })
    const first = await loginAs(emulator, 'oUser-reset-limit')

    const ok = await callWith(emulator, RESET, 'oUser-reset-limit', first)
    const second = String(ok.body.session_key)
    const throttled = await callWith(emulator, RESET, 'oUser-reset-limit', second)
    clock.advance(60_000)
    const later = await callWith(emulator, RESET, 'oUser-reset-limit', second)

    expect(ok.body.errcode).toBe(0)
    expect(throttled.body.errcode).toBe(WECHAT_ERRCODES.minuteQuotaReached)
    expect(later.body.errcode).toBe(0)
  })
})
