import { createDecipheriv } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { encryptUserData } from '../../src/emulator/index.ts'
import { APP_ID, code2Session, makeEmulators, manualClock, validParams } from './support.ts'

const emulators = makeEmulators()
afterEach(() => emulators.closeAll())

/** What a developer server does with `{ encryptedData, iv }` and the session_key from code2Session. */
function decrypt(sessionKey: string, encryptedData: string, iv: string): unknown {
  const decipher = createDecipheriv('aes-128-cbc', Buffer.from(sessionKey, 'base64'), Buffer.from(iv, 'base64'))
  const plaintext = Buffer.concat([decipher.update(Buffer.from(encryptedData, 'base64')), decipher.final()])
  return JSON.parse(plaintext.toString('utf8'))
}

describe('encryptForUser', () => {
  it('encrypts with the session_key code2Session handed out, adding the watermark', async () => {
    const clock = manualClock(Date.UTC(2024, 5, 1, 8, 30, 15, 750))
    const emulator = await emulators.start({ now: clock.now })
    const code = await emulator.issueCode('oUser-crypto')
    const { body } = await code2Session(emulator, validParams(code))
    const data = { phoneNumber: '13800138000', purePhoneNumber: '13800138000', countryCode: '86' }

    const { encryptedData, iv } = emulator.encryptForUser('oUser-crypto', data)

    expect(Buffer.from(iv, 'base64')).toHaveLength(16)
    expect(decrypt(String(body.session_key), encryptedData, iv)).toEqual({
      ...data,
      watermark: { timestamp: Math.floor(clock.now() / 1000), appid: APP_ID },
    })
  })

  it('pads with PKCS#7 to whole 16-byte blocks', async () => {
    const emulator = await emulators.start()
    await emulator.issueCode('oUser-blocks')

    const { encryptedData } = emulator.encryptForUser('oUser-blocks', { nickName: '微信用户' })

    expect(Buffer.from(encryptedData, 'base64').length % 16).toBe(0)
  })

  it('uses a fresh IV every time', async () => {
    const emulator = await emulators.start()
    await emulator.issueCode('oUser-iv')

    const first = emulator.encryptForUser('oUser-iv', { a: 1 })
    const second = emulator.encryptForUser('oUser-iv', { a: 1 })

    expect(first.iv).not.toBe(second.iv)
    expect(first.encryptedData).not.toBe(second.encryptedData)
  })

  it('follows the rotation: data encrypted after a new login does not open with the old key', async () => {
    const emulator = await emulators.start()
    await emulator.issueCode('oUser-rotated')
    const oldKey = emulator.sessionKeyOf('oUser-rotated') ?? ''
    await emulator.issueCode('oUser-rotated')

    const { encryptedData, iv } = emulator.encryptForUser('oUser-rotated', { openGId: 'group' })

    expect(decrypt(emulator.sessionKeyOf('oUser-rotated') ?? '', encryptedData, iv)).toMatchObject({ openGId: 'group' })
    expect(() => decrypt(oldKey, encryptedData, iv)).toThrow()
  })

  it('refuses a user without a login, and data that is not an object', async () => {
    const emulator = await emulators.start()
    await emulator.issueCode('oUser-data')

    expect(() => emulator.encryptForUser('oUser-never', {})).toThrow(RangeError)
    expect(() => emulator.encryptForUser('oUser-data', [] as unknown as Record<string, unknown>)).toThrow(TypeError)
    expect(() => encryptUserData('c2hvcnQ=', APP_ID, {}, 0)).toThrow(RangeError)
  })
})
