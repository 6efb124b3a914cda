/** What `npm run build` wrote (the vitest global set-up builds it first), and a way to load it into a mini-program sandbox. */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { measureEntries, type EntrySize } from '../../scripts/build/check-output.ts'
import { ROOT } from '../../scripts/build/run.ts'
import type { MiniprogramSandbox } from './miniprogram-sandbox.ts'
import { unknownModule } from './miniprogram-sandbox.ts'

export type Library = typeof import('../../src/index.ts')
export type InspectLibrary = typeof import('../../src/inspect/index.ts')

export interface BuiltPackage {
  /** The package root (where package.json is). */
  root: string
  /** miniprogram_dist/, what WeChat's Build npm copies. */
  dir: string
  sizes: EntrySize[]
  /** A file of miniprogram_dist/. */
  read(name: string): Promise<string>
  /** `require('miniprogram-login')` inside the sandbox: index.js, evaluated once per sandbox. */
  loadIndex(sandbox: MiniprogramSandbox): Promise<Library>
  /** `require('miniprogram-login/inspect')`: inspect.js, whose `require('./index.js')` gets `index`. */
  loadInspect(sandbox: MiniprogramSandbox, index: Library): Promise<InspectLibrary>
}

export async function builtPackage(): Promise<BuiltPackage> {
  const dir = path.join(ROOT, 'miniprogram_dist')
  const read = (name: string) => readFile(path.join(dir, name), 'utf8')
  return {
    root: ROOT,
    dir,
    sizes: await measureEntries(ROOT),
    read,
    async loadIndex(sandbox) {
      return sandbox.runModule(await read('index.js'), 'miniprogram_npm/miniprogram-login/index.js') as Library
    },
    async loadInspect(sandbox, index) {
      const require = (specifier: string) => {
        if (specifier === './index.js') return index
        throw unknownModule(specifier)
      }
      return sandbox.runModule(await read('inspect.js'), 'miniprogram_npm/miniprogram-login/inspect.js', require) as InspectLibrary
    },
  }
}
