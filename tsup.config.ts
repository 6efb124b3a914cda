/**
 * The package's build (`npm run build` runs it, then checks what it wrote):
 *
 *   dist/*.js, *.d.ts             client entries as ESM, code-split: for Taro, uni-app, vite, esbuild, webpack
 *   miniprogram_dist/*.js         client entries as CommonJS, one file each: what WeChat's Build npm copies, and `require()`
 *   dist/node/*.js, *.d.ts        Node entries as ESM: server, Redis store, emulator, machines, inspector relay
 *
 * The client builds are ES2017 with XState bundled in (mini-program engines and
 * webpack 4 parse nothing newer, and XState's own files are ES2020), no Node
 * built-in, and a private AbortController where XState's fromPromise needs one (scripts/build/abort-controller-shim.js).
 * Why tsup, and why these shapes: docs/architecture.md.
 */
import { defineConfig, type Options } from 'tsup'
import { ABSENT_GLOBALS, CLIENT_CJS_DIR, CLIENT_ENTRIES, CLIENT_ESM_DIR, NODE_DIR, NODE_ENTRIES } from './scripts/build/entries.ts'
import { guardClientInputs } from './scripts/build/guard-client-inputs.ts'
import { shareContractWithIndex } from './scripts/build/share-contract-with-index.ts'

/** What index.js exports from src/contract/: platforms.js and inspect.js take these from it (see share-contract-with-index.ts). */
export const SHARED_CONTRACT_NAMES = ['LoginError', 'LOGIN_ERROR_CODES', 'isLoginError', 'toLoginError'] as const

/** XState members read from outside index.js or by name, so index.js keeps their names (see terserOptions). */
export const UNMANGLED_XSTATE_MEMBERS = ['_parent', '_systemId', '_snapshot', '_nodes'] as const

const client: Options = {
  target: 'es2017',
  platform: 'neutral',
  noExternal: ['xstate'],
  define: {
    'process.env.NODE_ENV': '"production"',
    ...Object.fromEntries(ABSENT_GLOBALS.map((name) => [name, 'undefined'])),
  },
  inject: ['scripts/build/abort-controller-shim.js'],
  esbuildOptions(options) {
    // XState's `module` export is its production ESM build (no dev warnings).
    options.mainFields = ['module', 'main']
    options.conditions = ['module']
  },
  silent: true,
}

const miniprogramFile = (name: keyof typeof CLIENT_ENTRIES): Options => ({
  ...client,
  entry: { [name]: CLIENT_ENTRIES[name].source },
  format: 'cjs',
  outDir: CLIENT_CJS_DIR,
  // Terser after esbuild's bundling: about 0.9 KiB gzipped less than esbuild's own
  // minifier on index.js (docs/performance.md). `ecma: 2017` keeps its output ES2017.
  minify: 'terser',
  terserOptions: {
    ecma: 2017,
    compress: { passes: 2 },
    // index.js alone holds XState, whose private members are `_`-named: shorter names for them save
    // about 100 bytes gzipped (docs/performance.md). Kept: the members inspectors read off an actor
    // or a snapshot from outside this file (`_parent`, `_systemId`, `_snapshot`; inspect.js is a
    // file of its own), and `_nodes`, which XState names in a string to leave it out of `toJSON()`.
    ...(name === 'index' && { mangle: { properties: { regex: /^_/, reserved: [...UNMANGLED_XSTATE_MEMBERS] } } }),
  },
  splitting: false,
  // `.js` for WeChat's require(); miniprogram_dist/package.json says these are CommonJS.
  outExtension: () => ({ js: '.js' }),
  esbuildPlugins:
    name === 'index' ? [guardClientInputs] : [guardClientInputs, shareContractWithIndex('src/contract', SHARED_CONTRACT_NAMES)],
})

export default defineConfig([
  {
    ...client,
    entry: Object.fromEntries(Object.entries(CLIENT_ENTRIES).map(([name, { source }]) => [name, source])),
    format: 'esm',
    outDir: CLIENT_ESM_DIR,
    splitting: true,
    // Declarations as a mini-program project sees them: its typings, not Node's.
    dts: { compilerOptions: { types: ['miniprogram-api-typings'] } },
    esbuildPlugins: [guardClientInputs],
  },
  miniprogramFile('index'),
  miniprogramFile('platforms'),
  miniprogramFile('inspect'),
  {
    entry: Object.fromEntries(Object.entries(NODE_ENTRIES).map(([name, { source }]) => [name, source])),
    format: 'esm',
    target: 'node20',
    platform: 'node',
    outDir: NODE_DIR,
    splitting: true,
    dts: true,
    silent: true,
  },
])
