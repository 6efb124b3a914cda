import { describe, expect, it } from 'vitest'
import { DEFAULT_RETRY_POLICY } from '../../machines/index.ts'
import { backoffDelay } from '../../src/contract/index.ts'

const policy = { attempts: 5, baseDelayMs: 100, maxDelayMs: 1_000 }

describe('backoffDelay', () => {
  it('doubles its ceiling per retry and caps it', () => {
    const ceilings = [2, 3, 4, 5, 6, 7].map((attempt) => backoffDelay({ attempt, policy, random: 1 }))
    expect(ceilings).toEqual([100, 200, 400, 800, 1_000, 1_000])
  })

  it('waits at least half the ceiling, so no retry is immediate', () => {
    for (const attempt of [2, 3, 4, 5]) {
      const low = backoffDelay({ attempt, policy, random: 0 })
      const high = backoffDelay({ attempt, policy, random: 1 })
      expect(low).toBe(high / 2)
      expect(low).toBeGreaterThan(0)
    }
  })

  it('spreads retries between the bounds with the random draw', () => {
    expect(backoffDelay({ attempt: 3, policy, random: 0.5 })).toBe(150)
  })

  it('takes Retry-After as a floor', () => {
    expect(backoffDelay({ attempt: 2, policy, retryAfterMs: 700, random: 0 })).toBe(700)
    expect(backoffDelay({ attempt: 2, policy, retryAfterMs: 10, random: 1 })).toBe(100)
  })

  it('clamps a random draw outside [0, 1]', () => {
    expect(backoffDelay({ attempt: 2, policy, random: 5 })).toBe(100)
    expect(backoffDelay({ attempt: 2, policy, random: -5 })).toBe(50)
  })

  it('has production defaults that keep wx.login well below a few calls a second', () => {
    expect(DEFAULT_RETRY_POLICY.attempts).toBeLessThanOrEqual(3)
    expect(backoffDelay({ attempt: 2, policy: DEFAULT_RETRY_POLICY, random: 0 })).toBeGreaterThanOrEqual(250)
  })
})
