/**
 * package.json says what the build lays out: its `exports` map is the one the
 * entry table yields, and `files` publishes every folder the build writes.
 * (npm run test:consumers then installs the packed result.)
 */
import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { CLIENT_CJS_DIR, CLIENT_ESM_DIR } from '../../scripts/build/entries.ts'
import { expectedExports, legacyFolders } from '../../scripts/build/package-layout.ts'

const manifest = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as {
  exports: unknown
  files: string[]
}

describe('package.json', () => {
  it('has the exports map of the entry table (scripts/build/entries.ts)', () => {
    expect(manifest.exports).toEqual(expectedExports())
  })

  it('publishes the built folders and every legacy-resolution folder', () => {
    const tops = new Set([CLIENT_ESM_DIR, CLIENT_CJS_DIR, ...legacyFolders().map(({ dir }) => dir.split('/')[0] as string)])
    expect(manifest.files).toEqual(expect.arrayContaining([...tops]))
  })
})
