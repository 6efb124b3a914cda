/** Teardown in reverse order of set-up, run after every test even when it failed. */
import { removeAllUnder, uniquePrefix } from '../../support/redis/index.ts'
type Cleanup = () => unknown

const pending: Cleanup[] = []

/** Registers `cleanup` to run after the current test (last registered, first run). */
export function deferCleanup(cleanup: Cleanup): void {
  pending.push(cleanup)
}

/** For `afterEach`: runs every registered cleanup, then rethrows the first failure. */
export async function runCleanups(): Promise<void> {
  let firstError: unknown
  while (pending.length > 0) {
    const cleanup = pending.pop() as Cleanup
    try {
      await cleanup()
    } catch (error) {
      firstError ??= error
    }
  }
  if (firstError !== undefined) throw firstError
}

/** A fresh Redis key prefix; every key under it is removed after the test (registered now, so it runs after the servers close). */
export function redisPrefixForTest(label: string): string {
  const prefix = uniquePrefix(`e2e:${label}`)
  deferCleanup(() => removeAllUnder(prefix))
  return prefix
}
