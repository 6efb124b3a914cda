/**
 * The soak suite (`npm run test:soak`): only the `.soak.ts` files under
 * test/soak, each file in its own process with `--expose-gc` so heap samples
 * follow a full GC. Minutes, not seconds: kept out of `npm test`.
 */
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/soak/**/*.soak.ts'],
    environment: 'node',
    globalSetup: ['test/support/redis/global-setup.ts'],
    pool: 'forks',
    // The two soak files run side by side, one per core.
    maxWorkers: 2,
    fileParallelism: true,
    execArgv: ['--expose-gc'],
    // Safety nets only; a run takes a few minutes.
    testTimeout: 20 * 60_000,
    hookTimeout: 60_000,
  },
})
