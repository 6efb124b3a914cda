import { afterEach, describe, expect, it } from 'vitest'
import { code2Session, makeEmulators, validParams } from './support.ts'

const emulators = makeEmulators()
afterEach(() => emulators.closeAll())

describe('unionid in code2Session', () => {
  it('an app bound to an Open Platform account answers a unionid for every user, the same at every login', async () => {
    const emulator = await emulators.start({ openPlatformBound: true })

    const first = await code2Session(emulator, validParams(await emulator.issueCode('oUser-bound')))
    const again = await code2Session(emulator, validParams(await emulator.issueCode('oUser-bound')))
    const other = await code2Session(emulator, validParams(await emulator.issueCode('oUser-bound-2')))

    expect(first.body.unionid).toMatch(/^o[A-Za-z0-9_-]{27}$/)
    expect(first.body.unionid).not.toBe(first.body.openid)
    expect(again.body.unionid).toBe(first.body.unionid)
    expect(other.body.unionid).not.toBe(first.body.unionid)
    expect(emulator.unionIdFor('oUser-bound')).toBe(first.body.unionid)
  })

  it('two bound emulators (two apps of one account) give the same openid the same unionid', async () => {
    const app = await emulators.start({ openPlatformBound: true })
    const otherApp = await emulators.start({ openPlatformBound: true })

    const here = await code2Session(app, validParams(await app.issueCode('oUser-shared')))
    const there = await code2Session(otherApp, validParams(await otherApp.issueCode('oUser-shared')))

    expect(there.body.unionid).toBe(here.body.unionid)
  })

  it('an unbound app never answers a unionid', async () => {
    const defaults = await emulators.start()
    const unbound = await emulators.start({ openPlatformBound: false })

    for (const emulator of [defaults, unbound]) {
      const { body } = await code2Session(emulator, validParams(await emulator.issueCode('oUser-unbound')))
      expect(body.openid).toBe('oUser-unbound')
      expect(body).not.toHaveProperty('unionid')
      expect(emulator.unionIdFor('oUser-unbound')).toBeUndefined()
    }
  })

  it('unionIdOf still decides when given, bound implied', async () => {
    const emulator = await emulators.start({ unionIdOf: (openid) => (openid === 'oUser-mapped' ? 'union-mapped' : undefined) })

    const mapped = await code2Session(emulator, validParams(await emulator.issueCode('oUser-mapped')))
    const unmapped = await code2Session(emulator, validParams(await emulator.issueCode('oUser-unmapped')))

    expect(mapped.body.unionid).toBe('union-mapped')
    expect(unmapped.body).not.toHaveProperty('unionid')
    expect(emulator.unionIdFor('oUser-mapped')).toBe('union-mapped')
  })

  it('refuses contradicting or mistyped options', async () => {
    await expect(emulators.start({ openPlatformBound: false, unionIdOf: () => 'u' })).rejects.toThrow(TypeError)
    await expect(emulators.start({ openPlatformBound: 'yes' as unknown as boolean })).rejects.toThrow(TypeError)
    await expect(emulators.start({ unionIdOf: 'u' as unknown as () => string })).rejects.toThrow(TypeError)
  })
})
