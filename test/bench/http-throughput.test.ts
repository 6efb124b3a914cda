/**
 * Section 4 with a handful of requests per target: every request must be
 * counted, every login must have exchanged exactly one code, and the run
 * must leave no Redis keys behind. Needs Redis on 127.0.0.1:6379, as the
 * server's Redis store tests do.
 */
import { Redis } from 'ioredis'
import { describe, expect, it } from 'vitest'
import { runHttpThroughput, type HttpThroughputResult } from '../../bench/index.ts'

const REDIS_URL = process.env['MPL_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379'

async function keysUnder(prefix: string): Promise<number> {
  const client = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 })
  try {
    return (await client.keys(`${prefix}*`)).length
  } finally {
    await client.quit()
  }
}

function expectCountedRuns(result: HttpThroughputResult, amount: number): void {
  expect(result.problems).toEqual([])
  expect(result.notes).toEqual([])
  const shape = result.runs.map((run) => `${run.route}:${run.target}`)
  expect(shape).toEqual([
    'session:hello',
    'session:sqlite',
    'session:redis',
    'login:sqlite',
    'login:login-ceiling-sqlite',
    'login:redis',
    'login:login-ceiling-redis',
  ])
  for (const run of result.runs) {
    expect(run).toMatchObject({ ok: amount, non2xx: 0, errors: 0, slices: 1 })
    expect(run.perSecond).toBeGreaterThan(0)
    expect(run.p99Ms).toBeGreaterThanOrEqual(run.p50Ms)
  }
  for (const run of result.runs.filter((candidate) => candidate.target === 'hello' || candidate.target.startsWith('login-ceiling-')))
    expect(run.ofCeiling).toBe(1)
  // A login is measured against its own store's ceiling: one code2Session call and one write.
  for (const store of ['sqlite', 'redis'] as const) {
    const login = result.runs.find((run) => run.route === 'login' && run.target === store)
    const ceiling = result.runs.find((run) => run.route === 'login' && run.target === `login-ceiling-${store}`)
    expect(login?.ofCeiling).toBeCloseTo((login?.perSecond ?? 0) / (ceiling?.perSecond ?? 1), 6)
  }
}

describe('developer server throughput', () => {
  it('in-process: counts every request and cleans up Redis', async () => {
    const amount = 12
    const result = await runHttpThroughput({ durationSec: 1, warmupSec: 0, connections: 3, inProcess: true, redisUrl: REDIS_URL, amount })
    expectCountedRuns(result, amount)
    expect(result.mode).toBe('in-process')
    // 32 sessions for the session checks plus 12 logins, each a session key and an openid index.
    expect(result.redisKeysDeleted).toBeGreaterThanOrEqual(32 + amount)
    expect(await keysUnder(result.redisKeyPrefix)).toBe(0)
  })

  it('in a child process, as npm run bench runs it', async () => {
    const amount = 6
    const result = await runHttpThroughput({ durationSec: 1, warmupSec: 0, connections: 2, inProcess: false, redisUrl: REDIS_URL, amount })
    expectCountedRuns(result, amount)
    expect(result.mode).toBe('child-process')
    expect(await keysUnder(result.redisKeyPrefix)).toBe(0)
  })

  it('skips the Redis store, with a note, when Redis does not answer', async () => {
    const result = await runHttpThroughput({
      durationSec: 1,
      warmupSec: 0,
      connections: 2,
      inProcess: true,
      redisUrl: 'redis://127.0.0.1:1',
      amount: 4,
    })
    expect(result.problems).toEqual([])
    expect(result.notes).toEqual([expect.stringMatching(/^Redis store skipped/)])
    expect(result.runs.map((run) => run.target)).not.toContain('redis')
    expect(result.runs).toHaveLength(4)
  })
})
