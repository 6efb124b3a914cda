/**
 * README's install-and-use blocks are the fixtures' files, verbatim: a block
 * that follows `<!-- consumer: <file> [<file>…] -->` must equal each named file
 * of test/consumers/fixtures/, and every file in `README_SOURCED` must be named
 * by a block. Edit README and the fixture together; this says where they differ.
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import type { CheckResult } from './report.ts'

/** The fixture files README shows, one way in each: Node (plain, loginPlugin), native WeChat, Taro, uni-app. */
export const README_SOURCED = [
  'node-server/app.mjs',
  'node-server/server.mjs',
  'miniprogram/app.js',
  'webpack5/src/auth.ts',
  'tsc/src/taro-auth.ts',
  'esbuild/src/taro/auth.ts',
  'webpack4/src/auth.js',
  'vite/src/auth.js',
  'esbuild/src/uni/auth.js',
] as const

export interface ReadmeBlock {
  files: string[]
  code: string
  /** 1-based line of the marker. */
  line: number
}

/** Every marked block: the marker, then (after blank lines at most) a fenced code block. */
export function readmeBlocks(markdown: string): ReadmeBlock[] {
  const blocks: ReadmeBlock[] = []
  for (const match of markdown.matchAll(/<!-- consumer: ([^>]*?) -->\n(?:[ \t]*\n)*```[\w-]*\n([\s\S]*?)^```$/gm)) {
    const [, names = '', code = ''] = match
    blocks.push({ files: names.split(/\s+/).filter(Boolean), code, line: markdown.slice(0, match.index).split('\n').length })
  }
  return blocks
}

/** Where `actual` first differs from `expected`, in one or two lines. */
export function firstDifference(expected: string, actual: string): string[] {
  const [want, got] = [expected.split('\n'), actual.split('\n')]
  for (let index = 0; index < Math.max(want.length, got.length); index++) {
    if (want[index] !== got[index]) {
      return [
        `line ${index + 1}: README has ${JSON.stringify(want[index] ?? '<end>')}`,
        `line ${index + 1}: the file has ${JSON.stringify(got[index] ?? '<end>')}`,
      ]
    }
  }
  return []
}

export async function readmeDrift(readmePath: string, fixturesDir: string): Promise<CheckResult[]> {
  const blocks = readmeBlocks(await readFile(readmePath, 'utf8'))
  const results: CheckResult[] = []
  for (const block of blocks) {
    const details: string[] = []
    for (const file of block.files) {
      const text = await readFile(path.join(fixturesDir, file), 'utf8').catch(() => undefined)
      if (text === undefined) details.push(`test/consumers/fixtures/${file} does not exist`)
      else details.push(...firstDifference(block.code, text).map((line) => `${file}, ${line}`))
    }
    results.push({
      name: `README's block at line ${block.line} is, verbatim, ${block.files.join(', ')}`,
      ok: details.length === 0,
      details,
    })
  }
  const named = new Set(blocks.flatMap((block) => block.files))
  const missing = README_SOURCED.filter((file) => !named.has(file))
  results.push({
    name: 'README shows every README-sourced fixture file (Node, loginPlugin, native WeChat, Taro, uni-app)',
    ok: missing.length === 0,
    details: missing.map((file) => `no README block is marked <!-- consumer: ${file} -->`),
  })
  return results
}
