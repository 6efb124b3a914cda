/**
 * The Redis store's access_token cache: `<prefix>{at:<appid>}:token` (a hash:
 * fingerprint, sealed token, expiry, force-refresh counts) and
 * `<prefix>{at:<appid>}:lock` (SET NX PX), in one slot. The token hash lives a
 * day past the token, so the day's force-refresh count survives it.
 */
import type { CachedAccessToken, WechatTokenCache } from '../wechat/access-token/token-cache.ts'
import { TOKEN_COMPARE_AND_SET, TOKEN_LOCK, TOKEN_UNLOCK } from './redis-account-scripts.ts'
import { integerField, WriteTooLate, type RedisStoreContext } from './redis-context.ts'
import { TOO_LATE } from './redis-scripts.ts'
import { SEALING_CONTEXTS } from './session-key-codec.ts'
import { assertLockOwner, assertTokenName, tokenFingerprint } from './token-fingerprint.ts'

const KEEP_AFTER_EXPIRY_MS = 86_400_000
const TOKEN_FIELDS = ['fp', 'token', 'expiresAt', 'lastForcedAt', 'forceDay', 'forceCount'] as const

export function createRedisTokenCache(context: RedisStoreContext): WechatTokenCache {
  const { client, keys, codec, run, evalScript } = context

  async function read(name: string): Promise<{ fingerprint: string | undefined; entry: CachedAccessToken | undefined }> {
    const [fp, sealed, expiresAt, lastForcedAt, forceDay, forceCount] = await run('read the access_token', () =>
      client.hmget(keys.accessToken(name), ...TOKEN_FIELDS),
    )
    const accessToken = sealed == null ? undefined : codec.open(sealed, SEALING_CONTEXTS.accessToken(name))
    const expiry = integerField(expiresAt)
    if (accessToken === undefined || expiry === undefined) return { fingerprint: fp ?? undefined, entry: undefined }
    const forced = integerField(lastForcedAt)
    const day = integerField(forceDay)
    return {
      fingerprint: fp ?? undefined,
      entry: {
        accessToken,
        expiresAt: expiry,
        ...(forced === undefined ? {} : { lastForcedAt: forced }),
        ...(day === undefined ? {} : { forceDay: day, forceCount: integerField(forceCount) ?? 0 }),
      },
    }
  }

  return {
    async get(name: string): Promise<CachedAccessToken | undefined> {
      assertTokenName(name, 'token cache get')
      return (await read(name)).entry
    },

    async compareAndSet(name: string, expected: string | undefined, next: CachedAccessToken): Promise<boolean> {
      assertTokenName(name, 'token cache compareAndSet')
      if (typeof next.accessToken !== 'string' || next.accessToken.length === 0)
        throw new TypeError('token cache: accessToken must be a non-empty string')
      if (!Number.isSafeInteger(next.expiresAt)) throw new TypeError('token cache: expiresAt must be an integer (ms since epoch)')
      let expectedFingerprint = expected === undefined ? '' : tokenFingerprint(expected)
      if (expected === undefined) {
        // A token that does not open here (sealed under a retired key) counts as none, or it could never be replaced.
        const current = await read(name)
        if (current.entry === undefined && current.fingerprint !== undefined) expectedFingerprint = current.fingerprint
      }
      const ttlMs = Math.max(next.expiresAt - Date.now(), 0) + KEEP_AFTER_EXPIRY_MS
      const extra: Array<string | number> = []
      if (next.lastForcedAt !== undefined) extra.push('lastForcedAt', next.lastForcedAt)
      if (next.forceDay !== undefined) extra.push('forceDay', next.forceDay, 'forceCount', next.forceCount ?? 0)
      const deadline = Date.now() + context.timeoutMs
      const answer = await run('store the access_token', async () => {
        const result = await evalScript(
          TOKEN_COMPARE_AND_SET,
          [keys.accessToken(name)],
          [
            expectedFingerprint,
            deadline,
            tokenFingerprint(next.accessToken),
            codec.seal(next.accessToken, SEALING_CONTEXTS.accessToken(name)),
            next.expiresAt,
            ttlMs,
            ...extra,
          ],
        )
        if (result === TOO_LATE) throw new WriteTooLate()
        return result
      })
      return answer === 1
    },

    async tryLock(name: string, owner: string, ttlMs: number): Promise<boolean> {
      assertTokenName(name, 'token cache tryLock')
      assertLockOwner(owner, ttlMs, 'token cache tryLock')
      const deadline = Date.now() + context.timeoutMs
      const answer = await run('take the access_token lock', async () => {
        const result = await evalScript(TOKEN_LOCK, [keys.accessTokenLock(name)], [owner, ttlMs, deadline])
        if (result === TOO_LATE) throw new WriteTooLate()
        return result
      })
      return answer === 1
    },

    async unlock(name: string, owner: string): Promise<void> {
      assertTokenName(name, 'token cache unlock')
      await run('release the access_token lock', () => evalScript(TOKEN_UNLOCK, [keys.accessTokenLock(name)], [owner]))
    },
  }
}
