/** What `npm run build` writes, read as text: what it contains, what it may not contain, and how big it is. */
import { parse } from 'acorn'
import { readdir } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GZIP_BUDGET_BYTES, NODE_ONLY_SOURCES, findDisallowedInputs, findForbiddenCode } from '../../scripts/build-miniprogram.ts'
import { buildPackage, type BuiltPackage } from './built-package.ts'

let pkg: BuiltPackage
let index: string
let inspect: string
let platforms: string

beforeAll(async () => {
  pkg = await buildPackage()
  ;[index, inspect, platforms] = await Promise.all([pkg.read('index.js'), pkg.read('inspect.js'), pkg.read('platforms.js')])
})

const code = (name: string): string => ({ 'index.js': index, 'inspect.js': inspect, 'platforms.js': platforms })[name] ?? ''

afterAll(async () => {
  await pkg?.remove()
})

/** Every `require(...)` call in the text, with its argument as written. */
function requireCalls(code: string): string[] {
  return [...code.matchAll(/(?<![\w$.])require\s*\(([^)]*)\)/g)].map((match) => (match[1] ?? '').trim())
}

describe('the mini-program bundles', () => {
  it('index.js requires nothing; inspect.js and platforms.js only ./index.js', () => {
    expect(requireCalls(index)).toEqual([])
    expect(requireCalls(inspect)).toEqual(['"./index.js"'])
    expect(requireCalls(platforms)).toEqual(['"./index.js"'])
  })

  it.each(['index.js', 'inspect.js', 'platforms.js'])('%s has no process, Buffer, eval, new Function, window or document', (name) => {
    const text = code(name)
    expect(text).not.toMatch(/\bprocess\s*\./)
    expect(text).not.toMatch(/\bBuffer\b/)
    expect(text).not.toMatch(/(?<![\w$.])eval\s*\(/)
    expect(text).not.toMatch(/\bnew\s+Function\b/)
    expect(text).not.toMatch(/(?<![\w$.])(window|document)\b/)
  })

  it.each(['index.js', 'inspect.js', 'platforms.js'])('%s is ES2017 syntax: it parses as ES2017, as a script', (name) => {
    const text = code(name)
    expect(() => parse(text, { ecmaVersion: 2017, sourceType: 'script' })).not.toThrow()
    // The check can fail: object spread is ES2018.
    expect(() => parse('const a = { ...b }', { ecmaVersion: 2017, sourceType: 'script' })).toThrow()
  })

  it('contains no Node-only module, only library sources and XState', () => {
    for (const bundle of Object.values(pkg.result.bundles)) {
      for (const input of bundle.inputs) {
        expect(
          NODE_ONLY_SOURCES.some((prefix) => input.startsWith(prefix)),
          input,
        ).toBe(false)
        expect(input, `${bundle.entry}.js`).toMatch(
          /^(src\/|machines\/|node_modules\/xstate\/(dev\/|actors\/)?dist\/[\w-]+\.esm\.js$|mpl-virtual:|shared-errors:)/,
        )
      }
    }
    expect(pkg.result.bundles.index.inputs).toContain('src/index.ts')
    expect(pkg.result.bundles.index.inputs).toContain('machines/login.machine.ts')
    expect(pkg.result.bundles.index.inputs.some((input) => input.startsWith('node_modules/xstate/'))).toBe(true)
    expect(pkg.result.bundles.inspect.inputs).toContain('src/inspect/index.ts')
    expect(pkg.result.bundles.platforms.inputs).toContain('src/platform/alipay.ts')
    expect(pkg.result.bundles.index.inputs).not.toContain('src/platform/alipay.ts')
  })

  it('reports raw, minified and gzipped sizes within the budgets', () => {
    const { index: main, inspect: inspector, platforms: adapters } = pkg.result.bundles
    expect(GZIP_BUDGET_BYTES.index).toBe(20 * 1024)
    expect(main.gzipBytes).toBeLessThanOrEqual(GZIP_BUDGET_BYTES.index)
    expect(inspector.gzipBytes).toBeLessThanOrEqual(GZIP_BUDGET_BYTES.inspect)
    expect(adapters.gzipBytes).toBeLessThanOrEqual(GZIP_BUDGET_BYTES.platforms)
    expect(main.minifiedBytes).toBe(Buffer.byteLength(index))
    expect(main.rawBytes).toBeGreaterThan(main.minifiedBytes)
    expect(main.gzipBytes).toBeLessThan(main.minifiedBytes)
    expect(pkg.report).toHaveLength(3)
    expect(pkg.report[0]).toMatch(/index\.js {2}raw [\d.]+ KiB {2}minified [\d.]+ KiB {2}gzipped [\d.]+ KiB \(budget 20\.0 KiB\)$/)
  })

  it('writes declarations only when asked, and nothing else', async () => {
    expect((await readdir(pkg.dir)).sort()).toEqual(['index.js', 'inspect.js', 'platforms.js'])
    expect(pkg.result.declarations).toEqual([])
  })
})

describe('the build’s own checks', () => {
  it('finds what a mini-program cannot run', () => {
    expect(findForbiddenCode('var fs=require("fs");process.env.X;Buffer.from("");eval("1");new Function("");window.x;document.y')).toEqual([
      'require("fs")',
      'process.',
      'Buffer',
      'eval(',
      'new Function',
      'Function(',
      'window',
      'document',
    ])
    expect(findForbiddenCode('var i=require("./index.js");a.require(x);new ArrayBuffer(1);o.eval(1);my_window', ['./index.js'])).toEqual([])
  })

  it('refuses Node-only modules, unlisted packages, development builds and stray files as inputs', () => {
    expect(
      findDisallowedInputs('index', [
        'src/index.ts',
        'machines/login.machine.ts',
        'node_modules/xstate/dist/xstate.esm.js',
        'mpl-virtual:abort-controller',
      ]),
    ).toEqual([])
    const problems = findDisallowedInputs('index', [
      'src/server/create-server.ts',
      'src/emulator/index.ts',
      'src/local-dev/config.ts',
      'src/inspect/relay/relay-server.ts',
      'node_modules/fastify/fastify.js',
      'node_modules/xstate/dist/xstate.development.esm.js',
      'test/support/scripted-services.ts',
    ])
    expect(problems).toHaveLength(7)
    expect(problems[0]).toMatch(/src\/server\/create-server\.ts: src\/server\/ is Node-only/)
    expect(problems[4]).toMatch(/'fastify' is not in BUNDLED_PACKAGES/)
    expect(problems[5]).toMatch(/a development build/)
  })
})
