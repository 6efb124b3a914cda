/** The e2e tests' teardown: the shared one (../../support/cleanup.ts), and Redis prefixes removed with it. */
import { removeAllUnder, uniquePrefix } from '../../support/redis/index.ts'
import { deferCleanup } from '../../support/cleanup.ts'

export { deferCleanup, runCleanups } from '../../support/cleanup.ts'

/** A fresh Redis key prefix; every key under it is removed after the test (registered now, so it runs after the servers close). */
export function redisPrefixForTest(label: string): string {
  const prefix = uniquePrefix(`e2e:${label}`)
  deferCleanup(() => removeAllUnder(prefix))
  return prefix
}
