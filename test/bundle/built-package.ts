/** Runs `npm run build`'s build in-process into a temp folder, and loads what it wrote into a mini-program sandbox. */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { buildMiniprogram, type MiniprogramBuildResult } from '../../scripts/build-miniprogram.ts'
import type { MiniprogramSandbox } from './miniprogram-sandbox.ts'
import { unknownModule } from './miniprogram-sandbox.ts'

export type Library = typeof import('../../src/index.ts')
export type InspectLibrary = typeof import('../../src/inspect/index.ts')

export interface BuiltPackage {
  result: MiniprogramBuildResult
  dir: string
  /** The build's size report. */
  report: string[]
  read(name: string): Promise<string>
  /** `require('miniprogram-login')` inside the sandbox: index.js, evaluated once per sandbox. */
  loadIndex(sandbox: MiniprogramSandbox): Promise<Library>
  /** `require('miniprogram-login/inspect')`: inspect.js, whose `require('./index.js')` gets `index`. */
  loadInspect(sandbox: MiniprogramSandbox, index: Library): Promise<InspectLibrary>
  remove(): Promise<void>
}

export async function buildPackage(options: { declarations?: boolean } = {}): Promise<BuiltPackage> {
  const dir = await mkdtemp(path.join(tmpdir(), 'mpl-dist-'))
  const report: string[] = []
  let result: MiniprogramBuildResult
  try {
    result = await buildMiniprogram({ outDir: dir, declarations: options.declarations ?? false, log: (line) => report.push(line) })
  } catch (error) {
    await rm(dir, { recursive: true, force: true })
    throw error
  }
  const read = (name: string) => readFile(path.join(dir, name), 'utf8')
  return {
    result,
    dir,
    report,
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
    remove: () => rm(dir, { recursive: true, force: true }),
  }
}
