/**
 * Soak: 10,000 simulated users against two developer server instances that
 * share one Redis Cluster (three masters, started for this run), 100 at a
 * time. Each user logs in on one instance and is served by the other, then
 * relaunches against the other and resumes its stored session. No session
 * lost or cross-wired; the heap after a full GC stays flat over the steady
 * phase. Then the shared rate limits: a user's logins spread over both
 * instances stop at `maxPerOpenid`, and all logins from one address, over
 * both instances, stop at exactly `max`. Run with `npm run test:soak`.
 */
import type { FastifyInstance } from 'fastify'
import { describe, expect, it } from 'vitest'
import { twoRedisServers } from './load-stacks.ts'
import type { LoadStack } from './load-stacks.ts'
import { soakAndCheck } from './soak-run.ts'
import { SOAK_CONCURRENCY, SOAK_USERS } from './soak-settings.ts'
import { useRedisCluster } from '../support/redis/index.ts'

const cluster = useRedisCluster()

/** Users who try to log in more often than allowed, and how often each tries. */
const GREEDY_USERS = 50
const GREEDY_ATTEMPTS = 6
const MAX_PER_OPENID = 3
/** Every login from this machine's address counts against one budget: the load's, the greedy users', and some to spare. */
const ADDRESS_BUDGET = SOAK_USERS + GREEDY_USERS * MAX_PER_OPENID + 500

async function postLogin(baseUrl: string, body: unknown): Promise<number> {
  const response = await fetch(`${baseUrl}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  await response.arrayBuffer()
  return response.status
}

describe('soak: two servers sharing a Redis Cluster', () => {
  it(`${SOAK_USERS} users, ${SOAK_CONCURRENCY} at a time: every session theirs on both instances, heap flat, shared limits hold`, async () => {
    // Every answer of /auth/login, on both instances.
    const answered = { total: 0, limited: 0 }
    const countLogins = (app: FastifyInstance): void => {
      app.addHook('onResponse', async (request, reply) => {
        if (request.url !== '/auth/login') return
        answered.total += 1
        if (reply.statusCode === 429) answered.limited += 1
      })
    }
    const stack: LoadStack = await twoRedisServers({
      redis: { cluster: cluster.nodes, keyPrefix: cluster.prefix('soak') },
      rateLimit: { max: ADDRESS_BUDGET, timeWindow: '1 hour', maxPerOpenid: MAX_PER_OPENID },
      beforeListen: countLogins,
    })
    const [a, b] = stack.servers.map((server) => server.baseUrl) as [string, string]
    try {
      await soakAndCheck('soak-cluster', 'soak, two servers on a Redis Cluster', stack)

      // Per openid, over both instances: the first MAX_PER_OPENID logins pass, the rest are refused.
      const perUser = await Promise.all(
        Array.from({ length: GREEDY_USERS }, async (_, user) => {
          const statuses: number[] = []
          for (let attempt = 0; attempt < GREEDY_ATTEMPTS; attempt += 1) {
            const code = await stack.emulator.issueCode(`oGreedy${user.toString().padStart(4, '0')}`)
            statuses.push(await postLogin(attempt % 2 === 0 ? a : b, { code }))
          }
          return statuses
        }),
      )
      const expected = [...new Array<number>(MAX_PER_OPENID).fill(200), ...new Array<number>(GREEDY_ATTEMPTS - MAX_PER_OPENID).fill(429)]
      for (const statuses of perUser) expect(statuses).toEqual(expected)

      // So far nothing hit the address limit: every attempt (the greedy users' refused ones too) used up some of its budget.
      const used = answered.total
      expect(used).toBeLessThan(ADDRESS_BUDGET)
      // Per address, over both instances: what is left of the budget passes the limit, then 429 (a body WeChat never sees).
      const left = ADDRESS_BUDGET - used
      const burst = await Promise.all(Array.from({ length: left + 200 }, (_, i) => postLogin(i % 2 === 0 ? a : b, { code: 42 })))
      expect(burst.filter((status) => status === 400)).toHaveLength(left)
      expect(burst.filter((status) => status === 429)).toHaveLength(200)
      // Each instance counting alone would have let up to twice the budget through.
      console.log(
        `soak, shared limits: ${GREEDY_USERS} users x ${GREEDY_ATTEMPTS} logins over both instances, ${MAX_PER_OPENID} passed each; ` +
          `one address: ${used + left} attempts passed over both instances (budget ${ADDRESS_BUDGET}), then ${burst.length - left} refused`,
      )
    } finally {
      await stack.close()
    }
  })
})
