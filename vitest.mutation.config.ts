import { defineConfig } from 'vitest/config'

/**
 * The tests `npm run test:mutation` runs against each mutant of `machines/`
 * and `src/client/`: the client's and the machine's own suites, which import
 * the sources (no build, no servers, no global set-up), so a mutant costs
 * seconds, not the whole suite. The model-based suite runs just enough of its
 * shortest paths to visit every state and transition, and the property suite
 * fewer runs: a mutant that changes behaviour changes it on those too.
 */
export default defineConfig({
  test: {
    include: [
      'test/client/**/*.test.ts',
      'test/model/**/*.test.ts',
      'test/contract/**/*.test.ts',
      'test/reliability/client.property.test.ts',
      'test/reliability/wx-login-after-logout.test.ts',
    ],
    environment: 'node',
    testTimeout: 20_000,
    // Each mutant reruns these; fewer generated cases, every state and transition still covered.
    env: { MPL_MODEL_PATHS: 'cover', MPL_PROPERTY_RUNS: '40' },
  },
})
