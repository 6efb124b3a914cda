import { describe, expect, it } from 'vitest'
import { createSimulatedWx, WxApiError } from '../../src/emulator/index.ts'

// Storage never touches the network; the emulator URL is only needed for login.
const emulatorUrl = 'http://127.0.0.1:9'

describe('simulated wx storage', () => {
  it('answers "" for a key that was never set, and the value once set', () => {
    const wx = createSimulatedWx({ emulatorUrl })

    expect(wx.getStorageSync('missing')).toBe('')
    wx.setStorageSync('session', { token: 't', expiresAt: 1 })
    expect(wx.getStorageSync('session')).toEqual({ token: 't', expiresAt: 1 })
  })

  it('keeps primitives, null and Dates as they are', () => {
    const wx = createSimulatedWx({ emulatorUrl })
    const when = new Date(Date.UTC(2024, 0, 2))

    wx.setStorageSync('s', 'text')
    wx.setStorageSync('n', 42)
    wx.setStorageSync('b', false)
    wx.setStorageSync('z', null)
    wx.setStorageSync('d', when)

    expect(wx.getStorageSync('s')).toBe('text')
    expect(wx.getStorageSync('n')).toBe(42)
    expect(wx.getStorageSync('b')).toBe(false)
    expect(wx.getStorageSync('z')).toBeNull()
    expect(wx.getStorageSync('d')).toEqual(when)
    expect(wx.getStorageSync('d')).not.toBe(when)
  })

  it('stores a copy: changing the object afterwards does not change storage', () => {
    const wx = createSimulatedWx({ emulatorUrl })
    const session = { token: 'before', nested: { n: 1 } }

    wx.setStorageSync('session', session)
    session.token = 'after'
    session.nested.n = 2

    expect(wx.getStorageSync('session')).toEqual({ token: 'before', nested: { n: 1 } })
  })

  it('reads a copy: changing what was read does not change storage', () => {
    const wx = createSimulatedWx({ emulatorUrl })
    wx.setStorageSync('list', [1, 2])

    const read = wx.getStorageSync<number[]>('list')
    read.push(3)

    expect(wx.getStorageSync('list')).toEqual([1, 2])
  })

  it('keeps only what JSON keeps inside objects', () => {
    const wx = createSimulatedWx({ emulatorUrl })

    wx.setStorageSync('obj', { keep: 1, drop: undefined, fn: () => 1, when: new Date(0) })

    expect(wx.getStorageSync('obj')).toEqual({ keep: 1, when: '1970-01-01T00:00:00.000Z' })
  })

  it('removes a key; removing a missing key is fine', () => {
    const wx = createSimulatedWx({ emulatorUrl })
    wx.setStorageSync('k', 'v')

    wx.removeStorageSync('k')
    wx.removeStorageSync('never-there')

    expect(wx.getStorageSync('k')).toBe('')
  })

  it('throws like a full storage while setStorageFull is on, leaving the old value', () => {
    const wx = createSimulatedWx({ emulatorUrl })
    wx.setStorageSync('session', 'old')
    wx.sim.setStorageFull(true)

    expect(() => wx.setStorageSync('session', 'new')).toThrow(WxApiError)
    expect(() => wx.setStorageSync('session', 'new')).toThrow(/^setStorageSync:fail exceed storage max size/)
    expect(wx.getStorageSync('session')).toBe('old')
    wx.sim.setStorageFull(false)
    wx.setStorageSync('session', 'new')
    expect(wx.getStorageSync('session')).toBe('new')
  })

  it('enforces the per-key and total size limits', () => {
    const wx = createSimulatedWx({ emulatorUrl, storageLimits: { perKeyBytes: 100, totalBytes: 150 } })

    expect(() => wx.setStorageSync('big', 'x'.repeat(200))).toThrow(/^setStorageSync:fail entry size limit reached$/)
    wx.setStorageSync('a', 'x'.repeat(80))
    expect(() => wx.setStorageSync('b', 'x'.repeat(80))).toThrow(/^setStorageSync:fail exceed storage max size/)
    // Replacing a key does not count its old value twice.
    wx.setStorageSync('a', 'y'.repeat(80))
    expect(wx.getStorageSync('a')).toBe('y'.repeat(80))
  })

  it('has WeChat’s 1 MB per key limit by default', () => {
    const wx = createSimulatedWx({ emulatorUrl })

    expect(() => wx.setStorageSync('big', 'x'.repeat(1024 * 1024 + 1))).toThrow(/entry size limit reached/)
  })

  it('survives a relaunch: a new simulated wx over the same Map sees the data', () => {
    const storage = new Map<string, unknown>()
    const first = createSimulatedWx({ emulatorUrl, storage, openid: 'oDevice-relaunch' })
    first.setStorageSync('session', { token: 'kept' })

    const relaunched = createSimulatedWx({ emulatorUrl, storage, openid: 'oDevice-relaunch' })

    expect(relaunched.getStorageSync('session')).toEqual({ token: 'kept' })
    expect(relaunched.sim.storage).toBe(storage)
    relaunched.removeStorageSync('session')
    expect(first.getStorageSync('session')).toBe('')
  })

  it('throws WeChat-style parameter errors for a key that is not a string', () => {
    const wx = createSimulatedWx({ emulatorUrl })

    expect(() => wx.getStorageSync(1 as unknown as string)).toThrow(
      'getStorageSync:fail parameter error: parameter.key should be String instead of Number;',
    )
    expect(() => wx.setStorageSync(undefined as unknown as string, 1)).toThrow(/^setStorageSync:fail parameter error/)
    expect(() => wx.removeStorageSync(null as unknown as string)).toThrow(/^removeStorageSync:fail parameter error/)
  })

  it('refuses data it cannot serialise, with a clear error', () => {
    const wx = createSimulatedWx({ emulatorUrl })
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic

    expect(() => wx.setStorageSync('cyclic', cyclic)).toThrow(/^setStorageSync:fail data cannot be serialized/)
    expect(() => wx.setStorageSync('big', { n: 10n })).toThrow(/^setStorageSync:fail data cannot be serialized/)
    expect(wx.getStorageSync('cyclic')).toBe('')
  })

  it('counts storage calls', () => {
    const wx = createSimulatedWx({ emulatorUrl })

    wx.setStorageSync('k', 1)
    wx.getStorageSync('k')
    wx.getStorageSync('k')
    wx.removeStorageSync('k')

    expect(wx.sim.calls).toMatchObject({ setStorageSync: 1, getStorageSync: 2, removeStorageSync: 1 })
  })
})
