/** A temporary folder, removed after the test. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { deferCleanup } from './cleanup.ts'

export function tmpDirForTest(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `mpl-e2e-${label}-`))
  deferCleanup(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}
