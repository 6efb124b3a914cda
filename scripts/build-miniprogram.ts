/**
 * `npm run build`: the package WeChat DevTools' "build npm" copies into a
 * mini-program (the `miniprogram` field of package.json names the folder).
 *
 *   miniprogram_dist/index.js      src/index.ts: the client, WeChat's adapter, XState bundled in; one CommonJS file that requires nothing
 *   miniprogram_dist/inspect.js    src/inspect/index.ts; takes LoginError & co. from ./index.js, so all share one class
 *   miniprogram_dist/platforms.js  src/platform/index.ts: the other runtimes' adapters (ByteDance, Alipay, QQ, Baidu, Taro, uni-app)
 *   miniprogram_dist/*.d.ts        the types of each, plus types/ that they re-export
 *
 * Every file is ES2017 and uses nothing a mini-program's JS engine lacks: no
 * Node built-in, `process`, `Buffer`, `window`, `document`, `eval` or
 * `new Function`. The build fails if a Node-only module (server, emulator,
 * dev server, inspector relay) or an unexpected npm package reaches a bundle,
 * if such code shows up in the output, or if a bundle outgrows its gzip budget.
 *
 * `buildMiniprogram({ outDir })` does the same in-process (the tests build
 * into a temp folder).
 */
import { parse } from 'acorn'
import { build, type BuildOptions, type Metafile, type Plugin } from 'esbuild'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { gzipSync } from 'node:zlib'
import ts from 'typescript'

const ROOT = path.resolve(fileURLToPath(new URL('..', import.meta.url)))
const ERRORS_DIR = path.join(ROOT, 'src', 'contract') + path.sep

export const DEFAULT_OUT_DIR = path.join(ROOT, 'miniprogram_dist')

/**
 * Gzip budgets per file, in bytes (zlib's default level, of the minified file).
 * `index.js` (the client, WeChat's adapter and XState) must stay within 20 KiB;
 * the other runtimes' adapters live in `platforms.js` so a WeChat mini-program
 * does not carry them (see docs/miniprogram.md).
 */
export const GZIP_BUDGET_BYTES = { index: 20 * 1024, inspect: 8 * 1024, platforms: 8 * 1024 } as const

/** Sources that run only in Node: none of them may reach a mini-program bundle. */
export const NODE_ONLY_SOURCES = ['src/server/', 'src/emulator/', 'src/local-dev/', 'src/inspect/relay/'] as const

/** The npm packages a bundle may contain; anything else fails the build until it is checked and added here. */
export const BUNDLED_PACKAGES = ['xstate'] as const

/** Free identifiers that do not exist in a mini-program; code that tests them for `undefined` then folds away. */
const ABSENT_GLOBALS = ['window', 'document', 'self', 'global'] as const

export type MiniprogramEntry = keyof typeof GZIP_BUDGET_BYTES

export interface MiniprogramBuildOptions {
  /** Where to write; default `miniprogram_dist/` at the repository root. */
  outDir?: string
  /** Emit the `.d.ts` files too (a TypeScript pass of a few seconds). Default `true`. */
  declarations?: boolean
  /** Receives the size report lines; default `console.log`. */
  log?: (line: string) => void
}

export interface BuiltBundle {
  entry: MiniprogramEntry
  /** Absolute path of the written file. */
  file: string
  rawBytes: number
  minifiedBytes: number
  gzipBytes: number
  budgetBytes: number
  /** The source files in the bundle, relative to the repository root with `/`. */
  inputs: string[]
}

export interface MiniprogramBuildResult {
  outDir: string
  bundles: Record<MiniprogramEntry, BuiltBundle>
  /** The `.d.ts` files written, relative to `outDir`; empty without declarations. */
  declarations: string[]
}

export class MiniprogramBuildError extends Error {
  override readonly name = 'MiniprogramBuildError'
  readonly problems: readonly string[]

  constructor(problems: readonly string[]) {
    super(`the mini-program build failed:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`)
    this.problems = problems
  }
}

/**
 * XState's `fromPromise` does `new AbortController()` for every promise actor,
 * and a mini-program has no `AbortController` (it is a Web API; WeChat's base
 * library only polyfills ECMAScript). The bundles get this one in its place,
 * scoped to the bundle (esbuild `inject`): the mini-program's global scope is
 * left alone. It has what XState and a promise creator reading `signal` use.
 */
const ABORT_CONTROLLER_SOURCE = `
class AbortSignalLite {
  constructor() {
    this.aborted = false
    this.reason = undefined
    this.onabort = null
    this._listeners = []
  }
  addEventListener(type, listener) {
    if (type === 'abort' && typeof listener === 'function' && this._listeners.indexOf(listener) < 0) this._listeners.push(listener)
  }
  removeEventListener(type, listener) {
    const at = this._listeners.indexOf(listener)
    if (type === 'abort' && at >= 0) this._listeners.splice(at, 1)
  }
  throwIfAborted() {
    if (this.aborted) throw this.reason
  }
}
export class AbortController {
  constructor() {
    this.signal = new AbortSignalLite()
  }
  abort(reason) {
    const signal = this.signal
    if (signal.aborted) return
    if (reason === undefined) {
      reason = new Error('This operation was aborted')
      reason.name = 'AbortError'
    }
    signal.aborted = true
    signal.reason = reason
    const event = { type: 'abort', target: signal }
    const listeners = [signal.onabort].concat(signal._listeners.splice(0))
    for (const listener of listeners) if (typeof listener === 'function') listener.call(signal, event)
  }
}
`

/** Modules the build makes up, under the `mpl-virtual:` namespace. */
const VIRTUAL_MODULES: Record<string, string> = { 'abort-controller': ABORT_CONTROLLER_SOURCE }

const virtualModules: Plugin = {
  name: 'mpl-virtual',
  setup(builder) {
    builder.onResolve({ filter: /^mpl-virtual:/ }, (args) => ({ path: args.path.slice('mpl-virtual:'.length), namespace: 'mpl-virtual' }))
    builder.onLoad({ filter: /.*/, namespace: 'mpl-virtual' }, (args) => {
      const contents = VIRTUAL_MODULES[args.path]
      return contents === undefined ? { errors: [{ text: `no virtual module '${args.path}'` }] } : { contents, loader: 'js' }
    })
  },
}

const ESBUILD_BASE: BuildOptions = {
  bundle: true,
  write: false,
  metafile: true,
  platform: 'neutral',
  format: 'cjs',
  target: 'es2017',
  // XState's `module` export is its production ESM build (tree-shakeable, no dev warnings).
  mainFields: ['module', 'main'],
  conditions: ['module'],
  define: {
    'process.env.NODE_ENV': '"production"',
    ...Object.fromEntries(ABSENT_GLOBALS.map((name) => [name, 'undefined'])),
  },
  inject: ['mpl-virtual:abort-controller'],
  absWorkingDir: ROOT,
  logLevel: 'silent',
}

function toPosix(file: string): string {
  return file.split(path.sep).join('/')
}

function describeEsbuildFailure(error: unknown): string[] {
  const errors = (error as { errors?: { text: string; location?: { file: string; line: number } | null }[] }).errors
  if (!Array.isArray(errors)) return [error instanceof Error ? error.message : String(error)]
  return errors.map((e) => (e.location ? `${e.location.file}:${e.location.line}: ${e.text}` : e.text))
}

async function bundleOnce(options: BuildOptions): Promise<{ code: string; metafile: Metafile }> {
  let result
  try {
    result = await build({ ...ESBUILD_BASE, ...options })
  } catch (error) {
    throw new MiniprogramBuildError(describeEsbuildFailure(error))
  }
  const output = result.outputFiles?.[0]
  if (!output || !result.metafile) throw new MiniprogramBuildError(['esbuild produced no output'])
  return { code: output.text, metafile: result.metafile }
}

/** The names a module exports at runtime, from an ESM build's metafile. */
async function exportedNames(entry: string): Promise<string[]> {
  const { metafile } = await bundleOnce({ entryPoints: [entry], format: 'esm', outfile: 'names.js', plugins: [virtualModules] })
  return Object.values(metafile.outputs)[0]?.exports ?? []
}

/**
 * For inspect.js: `src/errors/` as imported from the inspector becomes its own
 * exports, except the ones index.js also exports, which are taken from
 * `./index.js` at runtime. So a `LoginError` thrown by the client is a
 * `LoginError` to the inspector's `isLoginError`.
 */
function shareErrorsWithIndex(sharedNames: readonly string[]): Plugin {
  const namespace = 'shared-errors'
  return {
    name: 'share-errors-with-index',
    setup(builder) {
      builder.onResolve({ filter: /\.ts$/ }, (args) => {
        if (args.namespace === namespace || args.importer.startsWith(ERRORS_DIR)) return undefined
        const resolved = path.resolve(args.resolveDir, args.path)
        return resolved.startsWith(ERRORS_DIR) ? { path: resolved, namespace } : undefined
      })
      builder.onResolve({ filter: /^\.\/index\.js$/, namespace }, () => ({ path: './index.js', external: true }))
      builder.onLoad({ filter: /.*/, namespace }, (args) => ({
        contents: [
          `export * from ${JSON.stringify(args.path)}`,
          sharedNames.length > 0 ? `export { ${sharedNames.join(', ')} } from './index.js'` : '',
        ].join('\n'),
        resolveDir: path.dirname(args.path),
        loader: 'js',
      }))
    },
  }
}

/** The inputs (relative, `/`-separated, as esbuild names them) that a bundle may not contain, each with the reason. */
export function findDisallowedInputs(entry: MiniprogramEntry, inputs: readonly string[]): string[] {
  const problems: string[] = []
  for (const input of inputs) {
    if (input.startsWith('shared-errors:') || input.startsWith('mpl-virtual:')) continue
    const nodeOnly = NODE_ONLY_SOURCES.find((prefix) => input.startsWith(prefix))
    if (nodeOnly) {
      problems.push(`${entry}.js contains ${input}: ${nodeOnly} is Node-only`)
      continue
    }
    const packageName = /^node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1]
    if (packageName !== undefined) {
      if (!(BUNDLED_PACKAGES as readonly string[]).includes(packageName)) {
        problems.push(
          `${entry}.js contains ${input}: the package '${packageName}' is not in BUNDLED_PACKAGES (check that it runs in a mini-program first)`,
        )
      } else if (/development/.test(input)) {
        problems.push(`${entry}.js contains ${input}: a development build`)
      }
      continue
    }
    if (!input.startsWith('src/') && !input.startsWith('machines/')) {
      problems.push(`${entry}.js contains ${input}, which is neither library source nor an allowed package`)
    }
  }
  return problems
}

/**
 * What a mini-program cannot run, found in bundle text: a `require` of
 * anything but `allowedRequires`, `process.`, `Buffer`, `eval(`, `new Function`,
 * `window`, `document`. The output is minified, so comments are gone.
 */
export function findForbiddenCode(code: string, allowedRequires: readonly string[] = []): string[] {
  const problems: string[] = []
  for (const match of code.matchAll(/(?<![\w$.])require\s*\(\s*(?:(['"`])([^'"`]*)\1)?/g)) {
    const specifier = match[2]
    if (specifier === undefined || !allowedRequires.includes(specifier))
      problems.push(`require(${specifier === undefined ? '<not a literal>' : JSON.stringify(specifier)})`)
  }
  const patterns: [RegExp, string][] = [
    [/\bprocess\s*\./, 'process.'],
    [/\bBuffer\b/, 'Buffer'],
    [/(?<![\w$.])eval\s*\(/, 'eval('],
    [/\bnew\s+Function\b/, 'new Function'],
    [/(?<![\w$.])Function\s*\(/, 'Function('],
    [/(?<![\w$.])window\b/, 'window'],
    [/(?<![\w$.])document\b/, 'document'],
  ]
  for (const [pattern, name] of patterns) if (pattern.test(code)) problems.push(name)
  return problems
}

/** Why `code` is not an ES2017 script (the parser of WeChat's own npm packing is acorn too), or `undefined`. */
function es2017SyntaxError(code: string): string | undefined {
  try {
    parse(code, { ecmaVersion: 2017, sourceType: 'script' })
    return undefined
  } catch (error) {
    return error instanceof Error ? error.message : String(error)
  }
}

async function buildEntry(
  entry: MiniprogramEntry,
  source: string,
  outDir: string,
  extra: Pick<BuildOptions, 'plugins'>,
  allowedRequires: readonly string[],
): Promise<{ bundle: BuiltBundle; code: string; problems: string[] }> {
  const file = path.join(outDir, `${entry}.js`)
  const common: BuildOptions = { entryPoints: [source], outfile: file, plugins: [virtualModules, ...(extra.plugins ?? [])] }
  const [raw, minified] = await Promise.all([bundleOnce(common), bundleOnce({ ...common, minify: true })])
  const inputs = Object.keys(minified.metafile.inputs).map(toPosix)
  const gzipBytes = gzipSync(minified.code).length
  const budgetBytes = GZIP_BUDGET_BYTES[entry]
  const problems = [
    ...findDisallowedInputs(entry, inputs),
    ...findForbiddenCode(minified.code, allowedRequires).map((what) => `${entry}.js contains ${what}`),
  ]
  const syntaxError = es2017SyntaxError(minified.code)
  if (syntaxError) problems.push(`${entry}.js is not ES2017 syntax: ${syntaxError}`)
  if (gzipBytes > budgetBytes) problems.push(`${entry}.js is ${kib(gzipBytes)} gzipped, over its budget of ${kib(budgetBytes)}`)
  return {
    code: minified.code,
    problems,
    bundle: {
      entry,
      file,
      rawBytes: Buffer.byteLength(raw.code),
      minifiedBytes: Buffer.byteLength(minified.code),
      gzipBytes,
      budgetBytes,
      inputs,
    },
  }
}

/** `from './x.ts'` → `from './x.js'` in emitted declarations, which every consumer's module resolution understands. */
function rewriteTsSpecifiers(text: string): string {
  return text.replace(/((?:from|import)\s*\(?\s*)(['"])(\.{1,2}\/[^'"]*?)\.ts\2/g, '$1$2$3.js$2')
}

/**
 * The declarations of both entries, emitted without Node's types in scope so
 * that nothing Node-specific (`NodeJS.Timeout`) can leak into them. Type
 * errors are `npm run typecheck`'s business; only declaration-emit errors fail
 * the build here.
 */
function emitDeclarations(outDir: string): { files: DeclarationFile[]; problems: string[] } {
  const typesDir = path.join(outDir, 'types')
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts'],
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    noUncheckedIndexedAccess: true,
    allowImportingTsExtensions: true,
    rewriteRelativeImportExtensions: true,
    verbatimModuleSyntax: true,
    isolatedModules: true,
    skipLibCheck: true,
    declaration: true,
    emitDeclarationOnly: true,
    types: ['miniprogram-api-typings'],
    rootDir: ROOT,
    outDir: typesDir,
  }
  const roots = ['src/index.ts', 'src/inspect/index.ts', 'src/platform/index.ts'].map((file) => path.join(ROOT, file))
  const program = ts.createProgram({ rootNames: roots, options })
  const files: DeclarationFile[] = []
  const problems: string[] = []
  const result = program.emit(
    undefined,
    (fileName, text) => {
      files.push({ name: `types/${toPosix(path.relative(typesDir, fileName))}`, text: rewriteTsSpecifiers(text) })
    },
    undefined,
    true,
  )
  for (const diagnostic of result.diagnostics)
    problems.push(`declarations: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`)
  if (result.emitSkipped) problems.push('declarations: TypeScript skipped the emit')
  for (const { name, text } of files) {
    const nodeOnly = NODE_ONLY_SOURCES.find((prefix) => name.startsWith(`types/${prefix}`))
    if (nodeOnly) problems.push(`declarations: ${name} is from ${nodeOnly}, which is Node-only`)
    if (/reference\s+types\s*=\s*["']node["']|\bNodeJS\.|from\s+['"]node:/.test(text))
      problems.push(`declarations: ${name} refers to Node's types`)
  }
  return { files, problems }
}

interface DeclarationFile {
  /** Relative to the output folder, `/`-separated. */
  name: string
  text: string
}

const OUTPUT_NAMES = ['index.js', 'inspect.js', 'platforms.js', 'index.d.ts', 'inspect.d.ts', 'platforms.d.ts', 'types'] as const

function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`
}

/** Builds the mini-program package into `outDir` (by default `miniprogram_dist/`). Rejects with a `MiniprogramBuildError`. */
export async function buildMiniprogram(options: MiniprogramBuildOptions = {}): Promise<MiniprogramBuildResult> {
  const outDir = path.resolve(options.outDir ?? DEFAULT_OUT_DIR)
  const log = options.log ?? ((line: string) => console.log(line))

  const [indexNames, errorNames] = await Promise.all([exportedNames('src/index.ts'), exportedNames('src/contract/index.ts')])
  const sharedNames = errorNames.filter((name) => indexNames.includes(name))
  const [index, inspect, platforms] = await Promise.all([
    buildEntry('index', 'src/index.ts', outDir, {}, []),
    buildEntry('inspect', 'src/inspect/index.ts', outDir, { plugins: [shareErrorsWithIndex(sharedNames)] }, ['./index.js']),
    buildEntry('platforms', 'src/platform/index.ts', outDir, { plugins: [shareErrorsWithIndex(sharedNames)] }, ['./index.js']),
  ])
  const built = [index, inspect, platforms]
  const declarations = options.declarations === false ? undefined : emitDeclarations(outDir)
  const problems = [...built.flatMap((b) => b.problems), ...(declarations?.problems ?? [])]
  if (problems.length > 0) throw new MiniprogramBuildError(problems)

  // Replace only what this build writes: outDir may be a folder with other things in it.
  await mkdir(outDir, { recursive: true })
  await Promise.all(OUTPUT_NAMES.map((name) => rm(path.join(outDir, name), { recursive: true, force: true })))
  for (const { bundle, code } of built) await writeFile(bundle.file, code)
  const declarationFiles: string[] = []
  if (declarations) {
    const files: DeclarationFile[] = [
      { name: 'index.d.ts', text: "export * from './types/src/index.js'\n" },
      { name: 'inspect.d.ts', text: "export * from './types/src/inspect/index.js'\n" },
      { name: 'platforms.d.ts', text: "export * from './types/src/platform/index.js'\n" },
      ...declarations.files,
    ]
    for (const { name, text } of files) {
      const file = path.join(outDir, name)
      await mkdir(path.dirname(file), { recursive: true })
      await writeFile(file, text)
      declarationFiles.push(name)
    }
  }

  const where = toPosix(path.relative(process.cwd(), outDir) || '.')
  for (const { bundle } of built) {
    log(
      `${where}/${bundle.entry}.js  raw ${kib(bundle.rawBytes)}  minified ${kib(bundle.minifiedBytes)}  ` +
        `gzipped ${kib(bundle.gzipBytes)} (budget ${kib(bundle.budgetBytes)})`,
    )
  }
  if (declarations) log(`${where}/index.d.ts, inspect.d.ts, platforms.d.ts and ${declarations.files.length} declaration files under types/`)

  return { outDir, bundles: { index: index.bundle, inspect: inspect.bundle, platforms: platforms.bundle }, declarations: declarationFiles }
}

function isMainModule(): boolean {
  const script = process.argv[1]
  return script !== undefined && import.meta.url === pathToFileURL(path.resolve(script)).href
}

if (isMainModule()) {
  buildMiniprogram().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error)
    process.exitCode = 1
  })
}
