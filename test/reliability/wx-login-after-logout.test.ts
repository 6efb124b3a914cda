/**
 * Regression (found by client.property.test.ts, fast-check seed 65053703,
 * counterexample `refresh, logout, ensureLogin`; fixed in src/client/provide-machine.ts).
 *
 * `logout()` while `wx.login` is running sends the machine to `idle`; the
 * running `wx.login` cannot be cancelled. A new `ensureLogin()` right after
 * starts a second `wx.login` while the first is still in flight at WeChat.
 * Each `wx.login` may rotate the user's session_key, so the key the server
 * stores for the second code can be made stale by the first call finishing
 * later. Expected: at most one `wx.login` in flight at any time (the new flow
 * waits for the abandoned call to settle, or reuses its code).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createLoginClient } from '../../src/client/index.ts'
import { createFakeServices, HOLD_EVERY_ANSWER } from '../support/services/index.ts'

async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await vi.advanceTimersByTimeAsync(0)
}

describe('wx.login after a logout mid-login', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-03-01T08:00:00Z') })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('never has two wx.login calls in flight', async () => {
    const services = createFakeServices(HOLD_EVERY_ANSWER)
    const client = createLoginClient({
      platform: services.platform,
      server: services.server,
      timeouts: { wxLogin: 300 },
    })
    try {
      const first = client.ensureLogin().catch((error: unknown) => error)
      await flush()
      expect(services.pending('wxLogin')).toHaveLength(1)

      const loggedOut = client.logout()
      await flush()
      const second = client.ensureLogin()
      second.catch(() => {})
      await flush()

      expect(services.pending('wxLogin').length).toBeLessThanOrEqual(1)

      services.beHealthy()
      await vi.advanceTimersByTimeAsync(1_000)
      await expect(second).resolves.toMatchObject({ token: expect.any(String) })
      await first
      await loggedOut
    } finally {
      client.stop()
      await flush()
    }
  })
})
