/**
 * What `npm run build` checks in what tsup wrote, before anyone installs it:
 * every client file parses as ES2017 and uses nothing a mini-program lacks, each
 * mini-program entry (with the chunks it requires) stays within its gzip
 * budget, and no client declaration leans on Node's types. Each check returns
 * the problems it found; the build fails on any.
 */
import { parse } from 'acorn'
import { readFile, readdir } from 'node:fs/promises'
import path from 'node:path'
import { gzipSync } from 'node:zlib'
import {
  CLIENT_CJS_DIR,
  CLIENT_ENTRIES,
  CLIENT_ESM_DIR,
  DECLARATION_TYPE_REFERENCES,
  GZIP_BUDGET_BYTES,
  NODE_ONLY_SOURCES,
  type ClientEntry,
} from './entries.ts'

export interface EntrySize {
  entry: ClientEntry
  /** The entry's file and every chunk it requires, transitively, relative to miniprogram_dist/. */
  files: string[]
  minifiedBytes: number
  /** The gzipped size of each of those files, summed. */
  gzipBytes: number
  budgetBytes: number
}

/** Relative specifiers a file imports or requires (`./chunk-X.js`). */
export function relativeImports(code: string): string[] {
  const found = new Set<string>()
  for (const match of code.matchAll(/(?:require\(|from\s*|import\s*\(?)\s*["'](\.\/[^"']+)["']/g)) if (match[1]) found.add(match[1])
  return [...found]
}

/**
 * What a mini-program cannot run, found in bundle text: a `require` or
 * `import` of anything but a sibling file, `process.`, `Buffer`, `eval(`,
 * `new Function`, `window`, `document`.
 */
export function findForbiddenCode(code: string): string[] {
  const problems: string[] = []
  for (const match of code.matchAll(/(?<![\w$.])require\s*\(\s*(?:(['"`])([^'"`]*)\1)?/g)) {
    const specifier = match[2]
    if (specifier === undefined || !specifier.startsWith('./'))
      problems.push(`require(${specifier === undefined ? '<not a literal>' : JSON.stringify(specifier)})`)
  }
  const importForms = [/(?<![\w$.])(?:import|export)\b[^"';()]*?\bfrom\s*["']([^"']+)["']/g, /(?<![\w$.])import\s*\(?\s*["']([^"']+)["']/g]
  for (const form of importForms) {
    for (const match of code.matchAll(form)) {
      if (!match[1]?.startsWith('./')) problems.push(`import from ${JSON.stringify(match[1])}`)
    }
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

/** Why `code` is not ES2017, or `undefined`. WeChat's own npm packing parses with acorn too. */
export function es2017SyntaxError(code: string, sourceType: 'script' | 'module'): string | undefined {
  try {
    parse(code, { ecmaVersion: 2017, sourceType })
    return undefined
  } catch (error) {
    return error instanceof Error ? error.message : String(error)
  }
}

/** What in a client declaration file points at Node's types. */
export function nodeTypesIn(declaration: string): string[] {
  const problems: string[] = []
  if (/reference\s+types\s*=\s*["']node["']/.test(declaration)) problems.push('/// <reference types="node" />')
  if (/\bNodeJS\./.test(declaration)) problems.push('NodeJS.*')
  if (/from\s+['"]node:/.test(declaration)) problems.push("an import from 'node:…'")
  return problems
}

/** Type packages of other runtimes, which the main entry's declarations must not need. */
export const OTHER_RUNTIME_TYPINGS = ['@mini-types/my', '@dcloudio/types', '@douyin-microapp/typings'] as const

/** The typings a file names with `/// <reference types="…" />`. */
export function typeReferencesIn(text: string): string[] {
  return [...text.matchAll(/^\/\/\/\s*<reference\s+types\s*=\s*["']([^"']+)["']/gm)].map((match) => match[1] as string)
}

/**
 * Typings that a client source references and that no client declaration
 * file carries: each must be in `DECLARATION_TYPE_REFERENCES`, or a consumer
 * who installed it still gets `any` in its place.
 */
export async function missingTypeReferences(root: string): Promise<string[]> {
  const problems: string[] = []
  const carried = new Set(Object.values(DECLARATION_TYPE_REFERENCES).flat())
  const sources = (await readdir(path.join(root, 'src'), { recursive: true }))
    .map((file) => `src/${file.split(path.sep).join('/')}`)
    .filter((file) => file.endsWith('.ts') && !NODE_ONLY_SOURCES.some((prefix) => file.startsWith(prefix)))
  for (const file of sources.sort()) {
    for (const typing of typeReferencesIn(await readFile(path.join(root, file), 'utf8'))) {
      if (!carried.has(typing))
        problems.push(`${file} references the types of ${typing}, which no client declaration carries (DECLARATION_TYPE_REFERENCES)`)
    }
  }
  for (const [entry, typings] of Object.entries(DECLARATION_TYPE_REFERENCES)) {
    const declaration = await readFile(path.join(root, CLIENT_CJS_DIR, `${entry}.d.ts`), 'utf8')
    for (const typing of typings) {
      if (!typeReferencesIn(declaration).includes(typing))
        problems.push(`${CLIENT_CJS_DIR}/${entry}.d.ts lacks /// <reference types="${typing}" />`)
    }
  }
  return problems
}

async function filesIn(dir: string, pattern: RegExp): Promise<string[]> {
  return (await readdir(dir)).filter((name) => pattern.test(name)).sort()
}

/** The entry file and the chunks it loads, transitively. */
async function closureOf(dir: string, file: string, seen = new Set<string>()): Promise<string[]> {
  if (seen.has(file)) return []
  seen.add(file)
  const code = await readFile(path.join(dir, file), 'utf8')
  for (const specifier of relativeImports(code)) await closureOf(dir, path.posix.normalize(specifier), seen)
  return [...seen]
}

/**
 * The size of each mini-program entry: its file and the files it requires,
 * less index.js and what index.js requires (every mini-program that loads
 * platforms.js or inspect.js has loaded index.js already).
 */
export async function measureEntries(root: string): Promise<EntrySize[]> {
  const dir = path.join(root, CLIENT_CJS_DIR)
  const sizes: EntrySize[] = []
  const index = await closureOf(dir, 'index.js')
  for (const entry of Object.keys(CLIENT_ENTRIES) as ClientEntry[]) {
    const closure = await closureOf(dir, `${entry}.js`)
    const files = entry === 'index' ? closure : closure.filter((file) => !index.includes(file))
    let minifiedBytes = 0
    let gzipBytes = 0
    for (const file of files) {
      const bytes = await readFile(path.join(dir, file))
      minifiedBytes += bytes.length
      gzipBytes += gzipSync(bytes).length
    }
    sizes.push({ entry, files, minifiedBytes, gzipBytes, budgetBytes: GZIP_BUDGET_BYTES[entry] })
  }
  return sizes
}

export interface OutputReport {
  problems: string[]
  sizes: EntrySize[]
}

export async function checkOutput(root: string): Promise<OutputReport> {
  const problems: string[] = []
  const dirs = [
    { dir: CLIENT_ESM_DIR, sourceType: 'module' as const },
    { dir: CLIENT_CJS_DIR, sourceType: 'script' as const },
  ]
  for (const { dir, sourceType } of dirs) {
    for (const file of await filesIn(path.join(root, dir), /\.js$/)) {
      const code = await readFile(path.join(root, dir, file), 'utf8')
      const where = `${dir}/${file}`
      const syntax = es2017SyntaxError(code, sourceType)
      if (syntax !== undefined) problems.push(`${where} is not ES2017: ${syntax}`)
      for (const what of findForbiddenCode(code)) problems.push(`${where} contains ${what}`)
    }
    for (const file of await filesIn(path.join(root, dir), /\.d\.c?ts$/)) {
      const text = await readFile(path.join(root, dir, file), 'utf8')
      for (const what of nodeTypesIn(text)) problems.push(`${dir}/${file} refers to Node's types: ${what}`)
    }
  }
  const mainTypes = await readFile(path.join(root, CLIENT_ESM_DIR, 'index.d.ts'), 'utf8')
  for (const typings of OTHER_RUNTIME_TYPINGS) {
    if (mainTypes.includes(typings)) problems.push(`${CLIENT_ESM_DIR}/index.d.ts needs ${typings}, which a WeChat project does not have`)
  }
  problems.push(...(await missingTypeReferences(root)))
  const sizes = await measureEntries(root)
  for (const size of sizes) {
    if (size.gzipBytes > size.budgetBytes) {
      problems.push(`${CLIENT_CJS_DIR}/${size.entry}.js loads ${kib(size.gzipBytes)} gzipped, over its budget of ${kib(size.budgetBytes)}`)
    }
  }
  return { problems, sizes }
}

export function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`
}

/** The line the build prints for an entry. */
export function sizeLine(size: EntrySize): string {
  return (
    `${CLIENT_CJS_DIR}/${size.entry}.js  ${kib(size.minifiedBytes)} minified, ${kib(size.gzipBytes)} gzipped ` +
    `(budget ${kib(size.budgetBytes)}; ${size.files.length} file${size.files.length === 1 ? '' : 's'})`
  )
}
