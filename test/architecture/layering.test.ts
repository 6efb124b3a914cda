/**
 * The layering of docs/architecture.md, checked on every import of every
 * source file: each folder imports only the folders and packages its row
 * allows. The machine depends on the contract and XState alone; nothing a
 * mini-program runs imports Node; the contract imports nothing.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = path.resolve(import.meta.dirname, '../..')

interface Layer {
  /** The folder, relative to the repository root; the most specific match wins. */
  folder: string
  /** Folders of ours it may import from (its own always allowed). */
  folders: string[]
  /** npm packages it may import (types included), and whether Node built-ins are allowed. */
  packages: string[]
  node: boolean
}

/** Mirrors the table in docs/architecture.md. */
export const LAYERS: Layer[] = [
  { folder: 'src/contract', folders: [], packages: [], node: false },
  { folder: 'machines', folders: ['src/contract'], packages: ['xstate'], node: false },
  // The other runtimes' typings are type-only references; the built declarations of /platforms name them.
  {
    folder: 'src/platform',
    folders: ['src/contract'],
    packages: ['@douyin-microapp/typings', '@mini-types/my', '@dcloudio/types'],
    node: false,
  },
  { folder: 'src/client', folders: ['src/contract', 'machines', 'src/platform'], packages: ['xstate'], node: false },
  { folder: 'src/inspect', folders: ['src/contract'], packages: ['xstate'], node: false },
  {
    folder: 'src/inspect/relay',
    folders: ['src/contract', 'src/inspect', 'src/diagram', 'machines'],
    packages: ['ws', 'xstate', 'mermaid'],
    node: true,
  },
  { folder: 'src/diagram', folders: ['machines'], packages: ['xstate'], node: false },
  {
    folder: 'src/server',
    folders: ['src/contract'],
    packages: ['fastify', 'fastify-plugin', 'better-sqlite3', 'ioredis', '@fastify/rate-limit', 'ajv'],
    node: true,
  },
  { folder: 'src/emulator', folders: ['src/contract'], packages: [], node: true },
  { folder: 'src/local-dev', folders: ['src/server', 'src/emulator', 'src/contract'], packages: ['fastify'], node: true },
]

const ENTRY_FILES = ['src/index.ts']

function sourceFiles(dir: string): string[] {
  const files: string[] = []
  for (const name of readdirSync(path.join(ROOT, dir))) {
    const relative = path.posix.join(dir, name)
    if (statSync(path.join(ROOT, relative)).isDirectory()) files.push(...sourceFiles(relative))
    else if (/\.(ts|js)$/.test(name)) files.push(relative)
  }
  return files
}

function layerOf(file: string): Layer | undefined {
  return LAYERS.filter((layer) => file.startsWith(`${layer.folder}/`)).sort((a, b) => b.folder.length - a.folder.length)[0]
}

function importsOf(file: string): string[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8')
  return [
    ...text.matchAll(
      /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)|\/\/\/\s*<reference types="([^"]+)"/g,
    ),
  ].map((match) => match[1] ?? match[2] ?? match[3] ?? '')
}

function packageName(specifier: string): string {
  const parts = specifier.split('/')
  return specifier.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] ?? specifier)
}

/** What is wrong with one import of `file`, or `undefined`. */
export function violation(file: string, specifier: string): string | undefined {
  const layer = layerOf(file)
  if (layer === undefined) return undefined
  if (specifier.startsWith('.')) {
    const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier))
    const targetLayer = layerOf(target)
    if (targetLayer === undefined || targetLayer.folder === layer.folder) return undefined
    // A folder nested in ours (src/inspect/relay inside src/inspect) is its own layer: only it may import us, not the other way.
    if (layer.folders.includes(targetLayer.folder)) return undefined
    return `${file} imports ${target}: ${layer.folder} may import only ${[layer.folder, ...layer.folders].join(', ')}`
  }
  if (specifier.startsWith('node:')) return layer.node ? undefined : `${file} imports ${specifier}: ${layer.folder} runs in a mini-program`
  if (layer.packages.includes(packageName(specifier))) return undefined
  return `${file} imports the package ${specifier}, not among ${layer.folder}'s (${layer.packages.join(', ') || 'none'})`
}

describe('the layering', () => {
  const files = ['machines', 'src'].flatMap(sourceFiles).filter((file) => !ENTRY_FILES.includes(file))

  it('covers every source folder', () => {
    const unplaced = files.filter((file) => layerOf(file) === undefined)
    expect(unplaced).toEqual([])
  })

  it('holds for every import', () => {
    const problems = files.flatMap((file) => importsOf(file).flatMap((specifier) => violation(file, specifier) ?? []))
    expect(problems).toEqual([])
  })

  it('would catch the machine reaching into the client, or the contract importing anything', () => {
    expect(violation('machines/login.machine.ts', '../src/client/index.ts')).toMatch(/machines may import only/)
    expect(violation('src/contract/session.ts', '../platform/types.ts')).toMatch(/src\/contract may import only src\/contract$/)
    expect(violation('src/client/create-login-client.ts', 'node:crypto')).toMatch(/runs in a mini-program/)
    expect(violation('src/inspect/redact.ts', 'ws')).toMatch(/not among src\/inspect's/)
    expect(violation('src/server/create-server.ts', '../contract/index.ts')).toBeUndefined()
  })
})
