/**
 * One fixture project of test/consumers/fixtures/: copied with the shared
 * helpers into its own temp folder, the tarball added to its dependencies,
 * `npm install`ed, then `npm run check`, whose `ok` / `not ok` lines are its results.
 */
import { cp, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { describeExit, lastLines, run } from './child-process.ts'
import { parseFixtureReport, type CheckResult, type ConsumerOutcome } from './report.ts'

const INSTALL_TIMEOUT_MS = 10 * 60_000
const CHECK_TIMEOUT_MS = 5 * 60_000
/** A version as npm publishes it: no range, no tag. */
const EXACT_VERSION = /^\d+\.\d+\.\d+(?:-[\w.]+)?$/

interface Manifest {
  dependencies?: Record<string, string>
  devDependencies?: Record<string, string>
  scripts?: Record<string, string>
}

/** Dependencies not pinned to one exact version. */
export function unpinned(manifest: Manifest): string[] {
  return Object.entries({ ...manifest.dependencies, ...manifest.devDependencies })
    .filter(([, version]) => !EXACT_VERSION.test(version))
    .map(([name, version]) => `${name}@${version}`)
}

function failure(name: string, details: string[]): CheckResult {
  return { name, ok: false, details }
}

export async function runFixture(options: {
  name: string
  fixturesDir: string
  workDir: string
  tarball: string
}): Promise<ConsumerOutcome> {
  const { name, fixturesDir, workDir, tarball } = options
  const dir = path.join(workDir, name)
  await cp(path.join(fixturesDir, name), dir, { recursive: true })
  await cp(path.join(fixturesDir, 'shared'), path.join(dir, 'shared'), { recursive: true })
  const manifest = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')) as Manifest
  const loose = unpinned(manifest)
  if (loose.length > 0)
    return {
      name,
      results: [
        failure(
          `${name}/package.json pins exact versions`,
          loose.map((dependency) => `not exact: ${dependency}`),
        ),
      ],
    }
  if (manifest.scripts?.check === undefined) return { name, results: [failure(`${name}/package.json has a check script`, [])] }
  manifest.dependencies = { ...manifest.dependencies, 'miniprogram-login': `file:${tarball}` }
  await writeFile(path.join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`)

  const installArgs = ['install', '--no-audit', '--no-fund', '--prefer-offline']
  const installStarted = Date.now()
  const install = await run('npm', installArgs, { cwd: dir, timeoutMs: INSTALL_TIMEOUT_MS })
  const installMs = Date.now() - installStarted
  if (install.code !== 0) {
    return {
      name,
      installMs,
      results: [failure(`${name}: npm install`, [describeExit(`npm ${installArgs.join(' ')}`, install), ...lastLines(install.output, 12)])],
    }
  }

  const checkStarted = Date.now()
  const check = await run('npm', ['run', '--silent', 'check'], { cwd: dir, timeoutMs: CHECK_TIMEOUT_MS })
  const checkMs = Date.now() - checkStarted
  const results = parseFixtureReport(check.output)
  const failedAny = results.some((result) => !result.ok)
  if (check.code !== 0 && !failedAny) {
    results.push(failure(`${name}: npm run check`, [describeExit('npm run check', check), ...lastLines(check.output, 12)]))
  } else if (check.code === 0 && failedAny) {
    results.push(failure(`${name}: npm run check exits non-zero on a failed check`, ['it exited 0']))
  } else if (results.length === 0) {
    results.push(failure(`${name}: npm run check ran checks`, ['it printed no `ok` or `not ok` line:', ...lastLines(check.output, 8)]))
  }
  return { name, installMs, checkMs, results }
}
