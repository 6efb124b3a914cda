/**
 * Soak: 10,000 simulated users log in against one developer server over a
 * SQLite file, 100 at a time, call an authenticated route, then relaunch and
 * resume their stored session. No session lost or cross-wired; the heap
 * after a full GC stays flat over the steady phase. Run with `npm run test:soak`.
 */
import { describe, expect, it } from 'vitest'
import { runLoad, summary } from './load-run.ts'
import { oneSqliteServer } from './load-stacks.ts'
import { HEAP_GROWTH_BOUND_BYTES, SOAK_CONCURRENCY, SOAK_USERS, SOAK_WARMUP_USERS } from './soak-settings.ts'

describe('soak: one server over SQLite', () => {
  it(`${SOAK_USERS} users, ${SOAK_CONCURRENCY} at a time: every session theirs and kept, heap flat`, async () => {
    const stack = await oneSqliteServer()
    try {
      const report = await runLoad({
        label: 'soak-sqlite',
        emulator: stack.emulator,
        targets: stack.targets,
        users: SOAK_USERS,
        concurrency: SOAK_CONCURRENCY,
        warmupUsers: SOAK_WARMUP_USERS,
      })
      console.log(`soak, one SQLite server: ${summary(report)}`)
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
