/**
 * The client's own events (`on('storage_error')`, `on('logout_error')`): each
 * listener gets its type only, unsubscribing works, and a listener that throws
 * is reported on the console and does not stop the others.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { LoginError } from '../../src/contract/index.ts'
import { createClientEvents, type LoginClientEvent } from '../../src/client/client-events.ts'

const storageError: LoginClientEvent = { type: 'storage_error', operation: 'write', error: new LoginError('storage_error', 'full') }
const logoutError: LoginClientEvent = { type: 'logout_error', error: new LoginError('timeout', 'no answer') }

afterEach(() => {
  vi.restoreAllMocks()
})

describe('client events', () => {
  it('reach the listeners of their own type only, and nothing when nobody listens', () => {
    const events = createClientEvents()
    const console = vi.spyOn(globalThis.console, 'error').mockImplementation(() => {})
    events.emit(storageError)
    const storage = vi.fn()
    const logout = vi.fn()
    events.on('storage_error', storage)
    events.on('logout_error', logout)
    events.emit(storageError)
    expect(storage).toHaveBeenCalledExactlyOnceWith(storageError)
    expect(logout).not.toHaveBeenCalled()
    expect(console).not.toHaveBeenCalled()
  })

  it('stop reaching a listener once it unsubscribed, and keep reaching the others', () => {
    const events = createClientEvents()
    const gone = vi.fn()
    const kept = vi.fn()
    const unsubscribe = events.on('logout_error', gone)
    events.on('logout_error', kept)
    unsubscribe()
    events.emit(logoutError)
    expect(gone).not.toHaveBeenCalled()
    expect(kept).toHaveBeenCalledOnce()
  })

  it('report a listener that throws on the console, by event type, and still reach the next one', () => {
    const events = createClientEvents()
    const console = vi.spyOn(globalThis.console, 'error').mockImplementation(() => {})
    const broken = new Error('listener bug')
    const next = vi.fn()
    events.on('storage_error', () => {
      throw broken
    })
    events.on('storage_error', next)
    expect(() => events.emit(storageError)).not.toThrow()
    expect(next).toHaveBeenCalledOnce()
    expect(console).toHaveBeenCalledExactlyOnceWith("miniprogram-login: a 'storage_error' listener threw", broken)
  })
})
