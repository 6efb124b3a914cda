/**
 * The access_token shared through Redis, standalone and Cluster: several
 * instances (managers over stores of their own connections, same prefix)
 * fetch one token between them, and one of them refreshes it (SET NX PX lock
 * in the app's hash slot) while the others go on with the current one.
 */
import { Redis } from 'ioredis'
import { afterEach, describe, expect, it } from 'vitest'
import { startWechatEmulator } from '../../src/emulator/index.ts'
import type { WechatEmulator } from '../../src/emulator/index.ts'
import { createSecretBox, generateSecretBoxKey } from '../../src/server/index.ts'
import { createAccessTokenManager } from '../../src/server/wechat/index.ts'
import type { AccessTokenManager } from '../../src/server/wechat/index.ts'
import { createRedisStore } from '../../src/server/redis/index.ts'
import type { RedisSessionStore } from '../../src/server/redis/index.ts'
import { keysUnder, useRedisCluster, useStandaloneRedis } from '../support/redis/index.ts'

const standalone = useStandaloneRedis()
const cluster = useRedisCluster()
const APP_ID = 'wx1b2c3d4e5f6a7b8c'
const SECRET = 'redis-token-test-secret-0c1d2e'
const encryption = createSecretBox({ keys: [{ id: 'tokens', key: generateSecretBoxKey() }] })

const opened: Array<{ close(): Promise<void> }> = []
afterEach(async () => {
  for (const thing of opened.splice(0).reverse()) await thing.close()
})

function manualClock(start = Date.UTC(2024, 0, 1, 12, 0, 0)): { now: () => number; advance(ms: number): void } {
  let current = start
  return { now: () => current, advance: (ms) => void (current += ms) }
}

const targets = [
  { name: 'standalone', open: (keyPrefix: string) => createRedisStore({ url: standalone.url, keyPrefix, encryption }), prefix: standalone },
  { name: 'Cluster', open: (keyPrefix: string) => createRedisStore({ cluster: cluster.nodes, keyPrefix, encryption }), prefix: cluster },
]

describe.each(targets)('the access_token on Redis ($name)', ({ open, prefix }) => {
  async function instances(
    count: number,
    now?: () => number,
  ): Promise<{ wechat: WechatEmulator; tokens: AccessTokenManager[]; stores: RedisSessionStore[] }> {
    const wechat = await startWechatEmulator({ appId: APP_ID, secret: SECRET, ...(now === undefined ? {} : { now }) })
    opened.push(wechat)
    const keyPrefix = prefix.prefix('access-token')
    const stores = Array.from({ length: count }, () => open(keyPrefix))
    opened.push(...stores)
    const tokens = stores.map((store) =>
      createAccessTokenManager({
        appId: APP_ID,
        secret: SECRET,
        apiBase: wechat.url,
        cache: store.wechatTokenCache,
        ...(now === undefined ? {} : { now }),
      }),
    )
    return { wechat, tokens, stores }
  }

  it('three instances asking at once fetch one token between them, sealed at rest', async () => {
    const { wechat, tokens, stores } = await instances(3)
    const answers = await Promise.all(tokens.flatMap((manager) => Array.from({ length: 10 }, () => manager.get())))
    expect(new Set(answers).size).toBe(1)
    expect(wechat.accessTokenStats()).toMatchObject({ calls: 1, issued: 1 })
    // On the standalone server the layout is visible: the token's hash, in the app's own hash tag; the lock is released.
    if (prefix === standalone) {
      const keyPrefix = stores[0]?.keyPrefix ?? ''
      expect(await keysUnder(keyPrefix)).toEqual([`${keyPrefix}{at:${APP_ID}}:token`])
      const probe = new Redis(standalone.url)
      try {
        const stored = await probe.hget(`${keyPrefix}{at:${APP_ID}}:token`, 'token')
        expect(stored?.startsWith('v1.tokens.')).toBe(true)
        expect(stored).not.toContain(answers[0])
      } finally {
        await probe.quit()
      }
    }
  })

  it('one instance refreshes ahead of expiry while the others keep serving the current token', async () => {
    const clock = manualClock()
    const { wechat, tokens } = await instances(3, clock.now)
    const [first] = await Promise.all(tokens.map((manager) => manager.get()))
    clock.advance(2 * 3_600_000 - 4 * 60_000)
    const during = await Promise.all(tokens.flatMap((manager) => Array.from({ length: 5 }, () => manager.get())))
    expect(during.every((token) => token === first)).toBe(true)
    await expect.poll(async () => new Set(await Promise.all(tokens.map((manager) => manager.get()))).size, { timeout: 5_000 }).toBe(1)
    await expect.poll(() => tokens[2]?.get(), { timeout: 5_000 }).not.toBe(first)
    // One refresh for everyone: two tokens issued in all, none forced.
    expect(wechat.accessTokenStats()).toMatchObject({ issued: 2, forceRefreshes: 0 })
    expect(wechat.accessTokenStats().calls).toBeLessThanOrEqual(3)
  })
})
