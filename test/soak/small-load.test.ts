/**
 * The load run in small, for `npm test`: 300 users, 200 against one server
 * over SQLite and 100 against two servers sharing Redis. The full 10,000
 * user runs are in `*.soak.ts` (`npm run test:soak`).
 */
import { describe, expect, it } from 'vitest'
import { runLoad, summary } from './load-run.ts'
import type { LoadReport } from './load-run.ts'
import { oneSqliteServer, twoRedisServers, type LoadStack } from './load-stacks.ts'
import { useStandaloneRedis } from '../support/redis/index.ts'

const redis = useStandaloneRedis()

const MEMORY_BOUND_BYTES = 50 * 1024 * 1024

function expectClean(report: LoadReport): void {
  expect(report.failures).toEqual([])
  expect(report.crossWired).toBe(0)
  expect(report.lost).toBe(0)
  expect(report.loggedIn).toBe(report.users)
  expect(report.kept).toBe(report.users)
  expect(report.heapEndBytes - report.heapStartBytes).toBeLessThan(MEMORY_BOUND_BYTES)
}

async function withStack(start: () => Promise<LoadStack>, run: (stack: LoadStack) => Promise<void>): Promise<void> {
  const stack = await start()
  try {
    await run(stack)
  } finally {
    await stack.close()
  }
}

describe('load, small', () => {
  it('200 users against one server (SQLite): every session theirs and kept', async () => {
    await withStack(oneSqliteServer, async ({ emulator, targets }) => {
      const report = await runLoad({ label: 'small-sqlite', emulator, targets, users: 200, concurrency: 50, warmupUsers: 50 })
      console.log(`small load, one SQLite server: ${summary(report)}`)
      expectClean(report)
    })
  }, 120_000)

  it('100 users against two servers sharing Redis: log in on one, checked on the other', async () => {
    await withStack(
      () => twoRedisServers({ redis: { url: redis.url, keyPrefix: redis.prefix('small-load') } }),
      async ({ emulator, targets }) => {
        const report = await runLoad({ label: 'small-redis', emulator, targets, users: 100, concurrency: 50, warmupUsers: 25 })
        console.log(`small load, two Redis servers: ${summary(report)}`)
        expectClean(report)
      },
    )
  }, 120_000)
})
