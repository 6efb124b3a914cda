/** What `npm run build` writes, read as text: the files there are, what they contain and may not contain, and how big they are. */
import { parse } from 'acorn'
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { es2017SyntaxError, findForbiddenCode, nodeTypesIn, relativeImports } from '../../scripts/build/check-output.ts'
import { GZIP_BUDGET_BYTES } from '../../scripts/build/entries.ts'
import { disallowedInput } from '../../scripts/build/guard-client-inputs.ts'
import { builtPackage, type BuiltPackage } from './built-package.ts'

let pkg: BuiltPackage
const miniprogram: Record<string, string> = {}
const esm: Record<string, string> = {}

beforeAll(async () => {
  pkg = await builtPackage()
  for (const name of ['index.js', 'inspect.js', 'platforms.js']) miniprogram[name] = await pkg.read(name)
  const esmDir = path.join(pkg.root, 'dist')
  for (const name of (await readdir(esmDir)).filter((file) => file.endsWith('.js')))
    esm[name] = await readFile(path.join(esmDir, name), 'utf8')
})

describe('miniprogram_dist (what WeChat copies, and require())', () => {
  it('holds the three files, their declarations and a package.json that says CommonJS, nothing else', async () => {
    const files = (await readdir(pkg.dir)).sort()
    expect(files.filter((file) => file.endsWith('.js'))).toEqual(['index.js', 'inspect.js', 'platforms.js'])
    expect(files).toEqual(expect.arrayContaining(['index.d.ts', 'inspect.d.ts', 'platforms.d.ts', 'package.json']))
    expect(files.every((file) => /\.(js|d\.ts)$|^package\.json$/.test(file))).toBe(true)
    expect(JSON.parse(await pkg.read('package.json'))).toEqual({ type: 'commonjs' })
  })

  it('index.js requires nothing; inspect.js and platforms.js only ./index.js', () => {
    expect(relativeImports(miniprogram['index.js'] ?? '')).toEqual([])
    expect(findForbiddenCode(miniprogram['index.js'] ?? '')).toEqual([])
    expect(relativeImports(miniprogram['inspect.js'] ?? '')).toEqual(['./index.js'])
    expect(relativeImports(miniprogram['platforms.js'] ?? '')).toEqual(['./index.js'])
  })

  it.each(['index.js', 'inspect.js', 'platforms.js'])(
    '%s is an ES2017 script with no process, Buffer, eval, window or document',
    (name) => {
      const code = miniprogram[name] ?? ''
      expect(code.length).toBeGreaterThan(1000)
      expect(() => parse(code, { ecmaVersion: 2017, sourceType: 'script' })).not.toThrow()
      expect(findForbiddenCode(code)).toEqual([])
    },
  )

  it('keeps the other runtimes’ adapters out of index.js', () => {
    expect(miniprogram['platforms.js']).toContain('my.getAuthCode')
    expect(miniprogram['index.js']).not.toContain('getAuthCode')
    expect(miniprogram['index.js']).toContain('wx.login')
  })

  it('is within the gzip budgets, index.js within 22.7 KiB', () => {
    expect(GZIP_BUDGET_BYTES.index).toBe(22.7 * 1024)
    for (const size of pkg.sizes) {
      expect(size.gzipBytes, size.entry).toBeGreaterThan(1024)
      expect(size.gzipBytes, size.entry).toBeLessThanOrEqual(size.budgetBytes)
      expect(size.gzipBytes).toBeLessThan(size.minifiedBytes)
    }
    expect(pkg.sizes.find((size) => size.entry === 'index')?.files).toEqual(['index.js'])
  })
})

describe('dist (ESM for bundlers)', () => {
  it('every file is an ES2017 module that imports only its siblings', () => {
    expect(Object.keys(esm)).toEqual(expect.arrayContaining(['index.js', 'inspect.js', 'platforms.js']))
    for (const [name, code] of Object.entries(esm)) {
      expect(es2017SyntaxError(code, 'module'), name).toBeUndefined()
      expect(findForbiddenCode(code), name).toEqual([])
    }
  })

  it('declarations that name neither Node nor another runtime’s typings in the main entry', async () => {
    const main = await readFile(path.join(pkg.root, 'dist', 'index.d.ts'), 'utf8')
    expect(nodeTypesIn(main)).toEqual([])
    expect(main).not.toMatch(/@mini-types|@dcloudio|@douyin-microapp/)
    expect(main).toMatch(/export \{[^}]*createLoginClient/)
  })
})

describe('the build’s own checks', () => {
  it('find what a mini-program cannot run', () => {
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
    expect(findForbiddenCode('import{a}from"xstate";export{b}from"./chunk-A.js"')).toEqual(['import from "xstate"'])
    expect(findForbiddenCode('var i=require("./index.js");a.require(x);new ArrayBuffer(1);o.eval(1);my_window')).toEqual([])
  })

  it('refuse syntax past ES2017 and Node types in declarations', () => {
    expect(es2017SyntaxError('const a = { ...b }', 'script')).toMatch(/Unexpected token/)
    expect(es2017SyntaxError('const a = b?.c', 'module')).toBeDefined()
    expect(es2017SyntaxError('const a = Object.assign({}, b)', 'script')).toBeUndefined()
    expect(nodeTypesIn('/// <reference types="node" />\nexport declare const t: NodeJS.Timeout')).toHaveLength(2)
  })

  it('refuse Node-only modules, unlisted packages, development builds and stray files as inputs', () => {
    for (const allowed of [
      'src/index.ts',
      'machines/login.machine.ts',
      'node_modules/xstate/dist/xstate.esm.js',
      'scripts/build/abort-controller-shim.js',
    ]) {
      expect(disallowedInput(allowed), allowed).toBeUndefined()
    }
    expect(disallowedInput('src/server/create-server.ts')).toMatch(/src\/server\/ is Node-only/)
    expect(disallowedInput('src/emulator/index.ts')).toMatch(/Node-only/)
    expect(disallowedInput('src/local-dev/config.ts')).toMatch(/Node-only/)
    expect(disallowedInput('src/inspect/relay/relay-server.ts')).toMatch(/Node-only/)
    expect(disallowedInput('node_modules/fastify/fastify.js')).toMatch(/'fastify' is not in BUNDLED_PACKAGES/)
    expect(disallowedInput('node_modules/xstate/dist/xstate.development.esm.js')).toMatch(/a development build/)
    expect(disallowedInput('test/support/services/index.ts')).toMatch(/neither library source/)
  })
})
