/**
 * A reply lost on the way back from Redis: the login's script ran, the
 * connection dropped before its answer arrived, and ioredis sent the script
 * again on reconnect. Found in review: the second run evicted one more of the
 * user's sessions, and in single-session mode listed the new session itself
 * as replaced, whose pointer the store then deleted (200 on the instance that
 * logged in, 401 on every other). The script is now idempotent.
 */
import { randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { createRedisStore } from '../../src/server/redis/index.ts'
import type { SessionRecord, SessionStore } from '../../src/server/index.ts'
import { CREATE_SESSION } from '../../src/server/store/redis-scripts.ts'
import { sessionRecord } from '../server/helpers/session-record.ts'
import { useStandaloneRedis } from '../support/redis/index.ts'
import { startTcpFaultProxy, type TcpFaultProxy } from '../support/tcp-fault-proxy.ts'

const redis = useStandaloneRedis()
const cleanups: Array<() => Promise<void>> = []

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** One server instance behind the proxy, another straight on Redis (with no owner cache of the first's). */
async function twoInstances(maxSessionsPerUser: number): Promise<{ proxy: TcpFaultProxy; behind: SessionStore; direct: SessionStore }> {
  const port = Number(new URL(redis.url).port)
  const proxy = await startTcpFaultProxy(port)
  const keyPrefix = redis.prefix(`lost-reply-${randomBytes(3).toString('hex')}`)
  const behind = createRedisStore({ url: `redis://127.0.0.1:${proxy.port}`, keyPrefix, maxSessionsPerUser })
  const direct = createRedisStore({ url: redis.url, keyPrefix, maxSessionsPerUser })
  cleanups.push(async () => {
    await behind.close()
    await direct.close()
    await proxy.close()
  })
  return { proxy, behind, direct }
}

let logins = 0
/** The user's next session: later ones expire later, so the cap evicts in login order. */
function session(openid: string): SessionRecord {
  logins += 1
  const record = sessionRecord({ openid })
  return { ...record, expiresAt: record.expiresAt + logins }
}

describe('a login whose Redis reply is lost and whose script is sent again', () => {
  it('evicts only the one session the cap asks for', async () => {
    const { proxy, behind, direct } = await twoInstances(3)
    const openid = 'oLostReplyCap'
    const earlier = [session(openid), session(openid), session(openid)]
    for (const record of earlier) await behind.create(record)
    proxy.loseNextReplyTo(CREATE_SESSION.sha)
    const fourth = session(openid)
    await behind.create(fourth)
    expect(proxy.sentWith(CREATE_SESSION.sha)).toBe(2)
    const seen = await Promise.all([...earlier, fourth].map((record) => direct.get(record.tokenHash)))
    expect(seen.map((record) => record !== undefined)).toEqual([false, true, true, true])
  })

  it('replacing the other sessions keeps the new one, on every instance', async () => {
    const { proxy, behind, direct } = await twoInstances(10)
    const openid = 'oLostReplySingle'
    const old = session(openid)
    await behind.create(old)
    proxy.loseNextReplyTo(CREATE_SESSION.sha)
    const fresh = session(openid)
    await behind.create(fresh, { replaceOpenidSessions: true })
    expect(proxy.sentWith(CREATE_SESSION.sha)).toBe(2)
    expect(await direct.get(old.tokenHash)).toBeUndefined()
    expect(await direct.get(fresh.tokenHash)).toMatchObject({ tokenHash: fresh.tokenHash, openid })
    expect(await behind.get(fresh.tokenHash)).toMatchObject({ tokenHash: fresh.tokenHash })
  })
})
