import { afterEach, describe, expect, it } from 'vitest'
import { code2Session, makeEmulators, manualClock, validParams } from './support.ts'

const emulators = makeEmulators()
afterEach(() => emulators.closeAll())

describe('session_key and WeChat-side sessions', () => {
  it('rotates the user’s session_key with every new code, as wx.login does', async () => {
    const emulator = await emulators.start()
    const firstCode = await emulator.issueCode('oUser-rotate')
    const firstKey = emulator.sessionKeyOf('oUser-rotate')
    const secondCode = await emulator.issueCode('oUser-rotate')
    const secondKey = emulator.sessionKeyOf('oUser-rotate')

    const first = await code2Session(emulator, validParams(firstCode))
    const second = await code2Session(emulator, validParams(secondCode))

    expect(firstKey).toBeDefined()
    expect(secondKey).not.toBe(firstKey)
    // Each code hands out the key its login created; the latest one is the user's current key.
    expect(first.body.session_key).toBe(firstKey)
    expect(second.body.session_key).toBe(secondKey)
  })

  it('knows no session_key for a user who never logged in', async () => {
    const emulator = await emulators.start()

    expect(emulator.sessionKeyOf('oUser-nobody')).toBeUndefined()
    expect(emulator.isSessionAlive('oUser-nobody')).toBe(false)
  })

  it('expires WeChat’s side of a session until the next login', async () => {
    const emulator = await emulators.start()
    await emulator.issueCode('oUser-expire')

    expect(emulator.isSessionAlive('oUser-expire')).toBe(true)
    emulator.expireSession('oUser-expire')
    expect(emulator.isSessionAlive('oUser-expire')).toBe(false)
    await emulator.issueCode('oUser-expire')
    expect(emulator.isSessionAlive('oUser-expire')).toBe(true)
  })

  it('times sessions out after sessionTtlMs when one is configured', async () => {
    const clock = manualClock()
    const emulator = await emulators.start({ now: clock.now, sessionTtlMs: 60_000 })
    await emulator.issueCode('oUser-ttl')

    clock.advance(59_999)
    const before = emulator.isSessionAlive('oUser-ttl')
    clock.advance(1)

    expect(before).toBe(true)
    expect(emulator.isSessionAlive('oUser-ttl')).toBe(false)
  })

  it('refuses to expire the session of a user who never logged in', async () => {
    const emulator = await emulators.start()

    expect(() => emulator.expireSession('oUser-ghost')).toThrow(RangeError)
    expect(() => emulator.expireSession('')).toThrow(TypeError)
    await expect(emulator.issueCode('')).rejects.toThrow(TypeError)
  })
})
