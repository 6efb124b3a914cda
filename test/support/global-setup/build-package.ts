/**
 * vitest global set-up: the tests of built files (test/bundle, test/example,
 * the bench's size test) read what `npm run build` writes, so the build runs
 * first, unless its output is already newer than everything it is built from.
 */
import { stat, readdir } from 'node:fs/promises'
import path from 'node:path'
import { buildPackage, ROOT } from '../../../scripts/build/run.ts'

const INPUTS = ['src', 'machines', 'scripts/build', 'tsup.config.ts', 'package.json']
const OUTPUTS = [
  'dist/index.js',
  'dist/index.d.ts',
  'miniprogram_dist/index.js',
  'miniprogram_dist/package.json',
  'dist/node/server.js',
  'server/package.json',
]

async function newestMtime(entry: string): Promise<number> {
  const info = await stat(entry)
  if (!info.isDirectory()) return info.mtimeMs
  let newest = info.mtimeMs
  for (const name of await readdir(entry)) newest = Math.max(newest, await newestMtime(path.join(entry, name)))
  return newest
}

async function oldestOutput(): Promise<number> {
  let oldest = Infinity
  for (const output of OUTPUTS) {
    try {
      oldest = Math.min(oldest, (await stat(path.join(ROOT, output))).mtimeMs)
    } catch {
      return 0
    }
  }
  return oldest
}

export default async function setup(): Promise<void> {
  const newestInput = Math.max(...(await Promise.all(INPUTS.map((input) => newestMtime(path.join(ROOT, input))))))
  if ((await oldestOutput()) > newestInput) return
  await buildPackage((line) => console.log(`[build] ${line}`))
}
