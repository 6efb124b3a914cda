/**
 * Soak: 10,000 simulated users against two developer server instances that
 * share one Redis, 100 at a time. Each user logs in on one instance and is
 * served by the other, then relaunches against the other and resumes its
 * stored session. No session lost or cross-wired; the heap after a full GC
 * stays flat over the steady phase. Run with `npm run test:soak`.
 */
import { describe, expect, it } from 'vitest'
import { runLoad, summary } from './load-run.ts'
import { twoRedisServers } from './load-stacks.ts'
import { HEAP_GROWTH_BOUND_BYTES, SOAK_CONCURRENCY, SOAK_USERS, SOAK_WARMUP_USERS } from './soak-settings.ts'

describe('soak: two servers sharing Redis', () => {
  it(`${SOAK_USERS} users, ${SOAK_CONCURRENCY} at a time: every session theirs on both instances, heap flat`, async () => {
    const stack = await twoRedisServers()
    try {
      const report = await runLoad({
        label: 'soak-redis',
        emulator: stack.emulator,
        targets: stack.targets,
        users: SOAK_USERS,
        concurrency: SOAK_CONCURRENCY,
        warmupUsers: SOAK_WARMUP_USERS,
      })
      console.log(`soak, two Redis servers: ${summary(report)}`)
      expect(report.failures).toEqual([])
      expect(report.crossWired).toBe(0)
      expect(report.lost).toBe(0)
      expect(report.loggedIn).toBe(SOAK_USERS)
      expect(report.kept).toBe(SOAK_USERS)
      expect(report.heapEndBytes - report.heapStartBytes).toBeLessThan(HEAP_GROWTH_BOUND_BYTES)
    } finally {
      await stack.close()
    }
  })
})
