/**
 * Runs the known failing cases (kept out of `npm test`):
 *   npx vitest run -c test/reliability/known-failures/vitest.config.ts
 * Once a case passes, move it next to the other reliability tests as `*.test.ts`.
 */
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../../..', import.meta.url)),
    include: ['test/reliability/known-failures/*.failing.ts'],
    environment: 'node',
  },
})
