/**
 * Mutation testing of the client and the machine (`npm run test:mutation`):
 * StrykerJS changes the code in small ways (a guard flipped, an action
 * dropped, a condition inverted) and runs the tests that cover each change;
 * a mutant no test notices is a gap in the tests. The run fails below 90%.
 * See docs/flow.md, "How it is tested".
 */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts' },
  plugins: ['@stryker-mutator/vitest-runner'],
  mutate: ['machines/**/*.ts', 'src/client/**/*.ts', '!**/index.ts', '!machines/login.descriptions.ts'],
  // Each mutant runs only the tests that reach it.
  coverageAnalysis: 'perTest',
  // Static mutants (code run once, when a module loads: the machine's config data, module
  // constants) would each need the whole suite, which takes CI past its budget (about 400 of
  // them, some 20 minutes on 2 cores). They are left out of the score; the model-based suite
  // checks the machine's every state and transition instead (docs/flow.md).
  ignoreStatic: true,
  concurrency: 2,
  incremental: false,
  timeoutMS: 20_000,
  thresholds: { high: 95, low: 90, break: 90 },
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
}
