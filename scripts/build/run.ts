/**
 * `npm run build`: tsup's three builds (tsup.config.ts), the layout files
 * around them, then the checks of scripts/build/check-output.ts. Prints each
 * mini-program entry's size against its budget; exits 1 on any problem.
 */
import { rm } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { build, type Options } from 'tsup'
import config from '../../tsup.config.ts'
import { checkOutput, sizeLine } from './check-output.ts'
import { CLIENT_CJS_DIR, CLIENT_ESM_DIR, NODE_DIR } from './entries.ts'
import { writePackageLayout } from './package-layout.ts'

export const ROOT = path.resolve(fileURLToPath(new URL('../..', import.meta.url)))

export async function buildPackage(log: (line: string) => void = console.log): Promise<void> {
  const builds = (Array.isArray(config) ? config : [config]) as Options[]
  await Promise.all([CLIENT_ESM_DIR, CLIENT_CJS_DIR, NODE_DIR].map((dir) => rm(path.join(ROOT, dir), { recursive: true, force: true })))
  // The two with declarations (each a whole TypeScript program) side by side, then the quick ones.
  const [withTypes, withoutTypes] = [builds.filter((options) => options.dts), builds.filter((options) => !options.dts)]
  await Promise.all(withTypes.map((options) => build({ ...options, silent: true, config: false })))
  await Promise.all(withoutTypes.map((options) => build({ ...options, silent: true, config: false })))
  await writePackageLayout(ROOT)
  const { problems, sizes } = await checkOutput(ROOT)
  for (const size of sizes) log(sizeLine(size))
  if (problems.length > 0) throw new Error(`the build's checks failed:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`)
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const cwd = process.cwd()
  process.chdir(ROOT)
  buildPackage()
    .then(() => process.chdir(cwd))
    .catch((error: unknown) => {
      console.error(error instanceof Error ? error.message : error)
      process.exit(1)
    })
}
