/**
 * Soak: 10,000 simulated users log in against one developer server over a
 * SQLite file, 100 at a time, call an authenticated route, then relaunch and
 * resume their stored session. No session lost or cross-wired; the heap
 * after a full GC stays flat over the steady phase. Run with `npm run test:soak`.
 */
import { describe, it } from 'vitest'
import { oneSqliteServer } from './load-stacks.ts'
import { soakAndCheck } from './soak-run.ts'
import { SOAK_CONCURRENCY, SOAK_USERS } from './soak-settings.ts'

describe('soak: one server over SQLite', () => {
  it(`${SOAK_USERS} users, ${SOAK_CONCURRENCY} at a time: every session theirs and kept, heap flat`, async () => {
    const stack = await oneSqliteServer()
    try {
      await soakAndCheck('soak-sqlite', 'soak, one SQLite server', stack)
    } finally {
      await stack.close()
    }
  })
})
