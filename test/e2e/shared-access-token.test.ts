/**
 * Two developer-server instances over one Redis, on real HTTP, with
 * mini-programs binding phone numbers through both of them at once: one
 * access_token between the instances, and when it nears its end one refresh,
 * by one of them, while both go on serving. The emulator's tokens live a few
 * seconds here (as WeChat's live two hours) so the refresh comes in the test.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createRedisStore } from '../../src/server/redis/index.ts'
import { REDIS_URL } from '../support/redis/index.ts'
import { startApiServer, startEmulator } from './support/backend.ts'
import { redisPrefixForTest, runCleanups } from './support/cleanup.ts'
import { launchApp, newDevice } from './support/mini-program.ts'

afterEach(runCleanups)

const TOKEN_TTL_MS = 12_000
const REFRESH_AHEAD_MS = 5_000

describe('two instances sharing Redis', () => {
  // The wait for the refresh window is part of the scenario (about 7.5 s), not a measurement.
  it('share one access_token and refresh it once, under load, while both keep answering', { timeout: 30_000 }, async () => {
    const keyPrefix = redisPrefixForTest('access-token')
    const emulator = await startEmulator({ accessToken: { ttlMs: TOKEN_TTL_MS, refreshAheadMs: REFRESH_AHEAD_MS } })
    const servers = await Promise.all(
      [0, 1].map(() =>
        startApiServer(emulator, {
          store: createRedisStore({ url: REDIS_URL, keyPrefix }),
          accessToken: { refreshAheadMs: REFRESH_AHEAD_MS },
          // Every phone here comes from 127.0.0.1, and phone bindings count per address like logins: 100 calls in the minute.
          rateLimit: { max: 200, timeWindow: '1 minute' },
        }),
      ),
    )
    // Ten phones, half on each instance.
    const apps = Array.from({ length: 10 }, (_, n) => {
      const server = servers[n % 2]
      if (server === undefined) throw new Error('two servers')
      return launchApp({ emulatorUrl: emulator.url, baseUrl: server.baseUrl }, newDevice())
    })
    await Promise.all(apps.map((app) => app.auth.ensureLogin()))

    const bindAll = (): Promise<unknown[]> =>
      Promise.all(
        apps.flatMap((app) =>
          [0, 1, 2].map(async () => app.auth.bindPhoneNumber({ code: await emulator.issuePhoneCode(app.wx.sim.openid, '13800138000') })),
        ),
      )

    expect(await bindAll()).toHaveLength(30)
    // One stable_token call for both instances (stable_token would hand each the same token, but each would have asked).
    expect(emulator.accessTokenStats()).toMatchObject({ calls: 1, issued: 1, forceRefreshes: 0 })

    // Into the token's last seconds, the window in which WeChat hands out the next one.
    await new Promise((resolve) => setTimeout(resolve, TOKEN_TTL_MS - REFRESH_AHEAD_MS + 500))
    expect(await bindAll()).toHaveLength(30)
    await expect.poll(() => emulator.accessTokenStats().issued, { timeout: 3_000 }).toBe(2)
    expect(await bindAll()).toHaveLength(30)

    // One refresh, by one instance: the other found the lock taken, then the new token in the cache.
    expect(emulator.accessTokenStats()).toMatchObject({ calls: 2, issued: 2, forceRefreshes: 0, forceRefreshCalls: 0 })
    // Every exchange went through on the first token it was given: none was refused.
    expect(emulator.stats().apis.getPhoneNumber).toMatchObject({ calls: 90, ok: 90, errors: {} })
  })
})
