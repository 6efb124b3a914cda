import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['test/support/global-setup/build-package.ts', 'test/support/redis/global-setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
})
