// ESLint flat config: typescript-eslint's recommended rules with type information for the
// promise rules (a floating promise is a failure nobody hears), Prettier owning the layout.
import js from '@eslint/js'
import prettier from 'eslint-config-prettier'
import globals from 'globals'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      'miniprogram_dist/',
      'coverage/',
      'reports/',
      '.stryker-tmp/',
      'examples/miniprogram/miniprogram_npm/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: { ...globals.node },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  { files: ['**/*.js', '**/*.mjs', '**/*.cjs'], languageOptions: { globals: { ...globals.node } } },
  // Consumer projects (test/consumers/fixtures) are type-checked in their own folders, against the installed
  // tarball, with their own tsconfigs; here they get the rules that need no types.
  { files: ['test/consumers/fixtures/**/*.ts', 'test/consumers/fixtures/**/*.cts'], ...tseslint.configs.disableTypeChecked },
  // CommonJS is required, and a native mini-program's app.js is CommonJS.
  { files: ['**/*.cjs', 'test/consumers/fixtures/miniprogram/**/*.js'], rules: { '@typescript-eslint/no-require-imports': 'off' } },
  // The mini-program apps of the fixtures run where the host provides these.
  {
    files: ['test/consumers/fixtures/*/src/**', 'test/consumers/fixtures/miniprogram/**'],
    languageOptions: { globals: { wx: 'readonly', App: 'readonly', uni: 'readonly', Taro: 'readonly' } },
  },
  prettier,
)
