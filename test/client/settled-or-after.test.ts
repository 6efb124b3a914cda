/**
 * settleWithin() and settledOrAfter(): how a promise settled, or that it had
 * not by the deadline. The server logout and the one-wx.login wait read these
 * results, so each outcome keeps its value or reason, and the timer goes once
 * the promise wins.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { settledOrAfter, settleWithin } from '../../src/client/settled-or-after.ts'
import { deferred, never } from '../support/services/index.ts'

beforeEach(() => {
  vi.useFakeTimers()
})

afterEach(() => {
  vi.useRealTimers()
})

describe('settleWithin', () => {
  it('hands back the value of a promise that fulfils in time, and clears its timer', async () => {
    const answer = { token: 't' }
    await expect(settleWithin(Promise.resolve(answer), 1_000)).resolves.toStrictEqual({ status: 'fulfilled', value: answer })
    expect(vi.getTimerCount()).toBe(0)
  })

  it('hands back the reason of a promise that rejects in time', async () => {
    const reason = new Error('logout failed')
    await expect(settleWithin(Promise.reject(reason), 1_000)).resolves.toStrictEqual({ status: 'rejected', reason })
    expect(vi.getTimerCount()).toBe(0)
  })

  it('answers timeout once ms have passed without a settlement, and not before', async () => {
    const late = deferred<string>()
    const outcome = settleWithin(late.promise, 1_000)
    let seen: unknown
    void outcome.then((value) => (seen = value))
    await vi.advanceTimersByTimeAsync(999)
    expect(seen).toBeUndefined()
    await vi.advanceTimersByTimeAsync(1)
    expect(seen).toStrictEqual({ status: 'timeout' })
    // A settlement after the deadline changes nothing.
    late.resolve('too late')
    await vi.advanceTimersByTimeAsync(0)
    expect(seen).toStrictEqual({ status: 'timeout' })
  })
})

describe('settledOrAfter', () => {
  it('resolves to nothing when the promise settles either way, or when the time is up', async () => {
    await expect(settledOrAfter(Promise.resolve('value'), 1_000)).resolves.toBeUndefined()
    await expect(settledOrAfter(Promise.reject(new Error('no')), 1_000)).resolves.toBeUndefined()
    const waiting = settledOrAfter(never(), 500)
    await vi.advanceTimersByTimeAsync(500)
    await expect(waiting).resolves.toBeUndefined()
  })
})
