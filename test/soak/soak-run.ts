/** The soak load every stack is put under, and what it must hold afterwards, whatever the stack. */
import { expect } from 'vitest'
import { runLoad, summary, type LoadReport } from './load-run.ts'
import type { LoadStack } from './load-stacks.ts'
import { HEAP_GROWTH_BOUND_BYTES, SOAK_CONCURRENCY, SOAK_USERS, SOAK_WARMUP_USERS } from './soak-settings.ts'

/** Runs the soak's users against `stack`, logs the summary under `title`, and checks that no session was lost or cross-wired and the heap stayed flat. */
export async function soakAndCheck(label: string, title: string, stack: LoadStack): Promise<LoadReport> {
  const report = await runLoad({
    label,
    emulator: stack.emulator,
    targets: stack.targets,
    users: SOAK_USERS,
    concurrency: SOAK_CONCURRENCY,
    warmupUsers: SOAK_WARMUP_USERS,
  })
  console.log(`${title}: ${summary(report)}`)
  expect(report.failures).toEqual([])
  expect(report.crossWired).toBe(0)
  expect(report.lost).toBe(0)
  expect(report.loggedIn).toBe(SOAK_USERS)
  expect(report.kept).toBe(SOAK_USERS)
  expect(report.heapEndBytes - report.heapStartBytes).toBeLessThan(HEAP_GROWTH_BOUND_BYTES)
  return report
}
