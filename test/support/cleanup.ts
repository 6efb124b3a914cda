/** Teardown in reverse order of set-up, run after every test even when it failed: call `afterEach(runCleanups)` once per file. */
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
