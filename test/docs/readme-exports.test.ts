/**
 * README's "Every export, entry by entry" against the built entries: every
 * runtime export of each entry is named under that entry, and nothing named
 * there is missing from it. So the list cannot go stale.
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { CLIENT_ENTRIES, CLIENT_ESM_DIR, NODE_DIR, NODE_ENTRIES } from '../../scripts/build/entries.ts'

const ROOT = path.resolve(import.meta.dirname, '../..')
const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8')

const entries = [
  ...Object.entries(CLIENT_ENTRIES).map(([name, { subpath }]) => ({ subpath, file: path.join(ROOT, CLIENT_ESM_DIR, `${name}.js`) })),
  ...Object.entries(NODE_ENTRIES).map(([name, { subpath }]) => ({ subpath, file: path.join(ROOT, NODE_DIR, `${name}.js`) })),
]

/** The names in backticks on the README line of one entry. */
function listedFor(subpath: string): string[] {
  const start = README.indexOf(`<!-- exports:${subpath} -->`)
  if (start < 0) return []
  const end = README.indexOf('<!-- exports:', start + 1)
  const block = README.slice(start, end)
  // The entry's own name (`miniprogram-login/...`) and prose numbers are not exports.
  return [...block.matchAll(/`([A-Za-z_$][\w$]*)`/g)].map((match) => match[1] ?? '')
}

describe("README's list of exports", () => {
  it.each(entries)('names every runtime export of $subpath, and only those', async ({ subpath, file }) => {
    const exported = Object.keys((await import(pathToFileURL(file).href)) as object).sort()
    expect(exported.length).toBeGreaterThan(0)
    const listed = [...new Set(listedFor(subpath))].sort()
    expect(listed).toEqual(exported)
  })
})
