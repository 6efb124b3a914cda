/**
 * `npm run test:consumers [name…]`: the packed package, installed as users
 * install it. Builds once (`npm run build`), packs the tarball
 * (`npm pack --ignore-scripts`, so the build is not run twice), then for each
 * consumer, at most two at a time: a fixture project of fixtures/ is copied
 * to a temp folder, installs the tarball and its pinned dependencies, and runs
 * its `npm run check`; `miniprogram-ci` packs the example mini-program with
 * WeChat's own npm build (wechat-packnpm.ts). Before all that, README's
 * install-and-use blocks are compared with the fixture files they show.
 *
 * Installs use npm's cache (`npm_config_cache` or ~/.npm, shared with the
 * repository's own `npm ci`) and `--prefer-offline`, so a rerun downloads
 * nothing. Prints one block per consumer, then `consumers: N passed, N failed`;
 * exits 1 on any failure, keeping the temp folder (its path is printed).
 * What each consumer proves: docs/packaging.md.
 */
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describeExit, lastLines, run } from './child-process.ts'
import { runFixture } from './fixture-project.ts'
import { readmeDrift } from './readme-blocks.ts'
import { formatOutcome, seconds, type ConsumerOutcome } from './report.ts'
import { wechatPackNpmConsumer } from './wechat-packnpm.ts'

const ROOT = path.resolve(fileURLToPath(new URL('../..', import.meta.url)))
const FIXTURES = path.join(ROOT, 'test', 'consumers', 'fixtures')
/** Installs in flight at once: two cores, shared with the checks that run beside them. */
const PARALLEL = 2
/** The two slowest first (better-sqlite3 compiles on install; tsc type-checks ten times), so the pool ends together. */
const CONSUMERS = ['node-server', 'tsc', 'miniprogram-ci', 'webpack4', 'webpack5', 'vite', 'esbuild', 'commonjs'] as const

type Consumer = (typeof CONSUMERS)[number]

interface Context {
  tarball: string
  packageDir: string
  workDir: string
}

function runConsumer(name: Consumer, context: Context): Promise<ConsumerOutcome> {
  if (name === 'miniprogram-ci') {
    return wechatPackNpmConsumer({ ...context, workDir: path.join(context.workDir, name) })
  }
  return runFixture({ name, fixturesDir: FIXTURES, workDir: context.workDir, tarball: context.tarball })
}

/** Runs `tasks` with at most `limit` at once; answers their results in order. */
async function pool<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array<T>(tasks.length)
  let next = 0
  async function worker(): Promise<void> {
    while (next < tasks.length) {
      const index = next++
      results[index] = await (tasks[index] as () => Promise<T>)()
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker))
  return results
}

/** `npm run build`, then `npm pack` into `dir`; answers the tarball's path, or why it could not. */
async function buildAndPack(dir: string): Promise<{ tarball?: string; problem?: string[] }> {
  const build = await run('npm', ['run', 'build'], { cwd: ROOT, timeoutMs: 10 * 60_000 })
  if (build.code !== 0) return { problem: [describeExit('npm run build', build), ...lastLines(build.output, 15)] }
  for (const line of build.output.split('\n')) if (line.startsWith('miniprogram_dist/')) console.log(`  ${line}`)
  const pack = await run('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], { cwd: ROOT, timeoutMs: 2 * 60_000 })
  if (pack.code !== 0) return { problem: [describeExit('npm pack', pack), ...lastLines(pack.output, 15)] }
  const tarballs = (await readdir(dir)).filter((file) => file.endsWith('.tgz'))
  if (tarballs.length !== 1) return { problem: [`npm pack wrote ${tarballs.length} tarballs into ${dir}`] }
  return { tarball: path.join(dir, tarballs[0] as string) }
}

function parseArgs(args: string[]): { names: Consumer[]; keep: boolean } | { error: string } {
  const keep = args.includes('--keep')
  const names = args.filter((arg) => arg !== '--keep')
  const unknown = names.filter((name) => !(CONSUMERS as readonly string[]).includes(name))
  if (unknown.length > 0) return { error: `unknown consumer ${unknown.join(', ')}; the consumers: ${CONSUMERS.join(', ')}` }
  return { names: names.length === 0 ? [...CONSUMERS] : (names as Consumer[]), keep }
}

async function main(): Promise<number> {
  const parsed = parseArgs(process.argv.slice(2))
  if ('error' in parsed) {
    console.error(parsed.error)
    return 2
  }
  const started = Date.now()
  const outcomes: ConsumerOutcome[] = [{ name: 'README', results: await readmeDrift(path.join(ROOT, 'README.md'), FIXTURES) }]
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'mpl-consumers-'))

  console.log('npm run build, npm pack')
  const { tarball, problem } = await buildAndPack(workDir)
  if (tarball === undefined) {
    outcomes.push({ name: 'package', results: [{ name: 'npm run build and npm pack', ok: false, details: problem ?? [] }] })
  } else {
    const packageDir = path.join(workDir, 'extracted')
    await mkdir(packageDir)
    const untar = await run('tar', ['-xzf', tarball, '-C', packageDir], { cwd: workDir, timeoutMs: 60_000 })
    if (untar.code !== 0) throw new Error(`${describeExit('tar -xzf', untar)}\n${untar.output}`)
    const context: Context = { tarball, packageDir: path.join(packageDir, 'package'), workDir }
    console.log(`consumers of ${path.basename(tarball)}: ${parsed.names.join(', ')} (${PARALLEL} at a time)`)
    const tasks = parsed.names.map((name) => async () => {
      const outcome = await runConsumer(name, context).catch((error: unknown): ConsumerOutcome => ({
        name,
        results: [{ name: `${name} ran`, ok: false, details: [error instanceof Error ? (error.stack ?? error.message) : String(error)] }],
      }))
      console.log(formatOutcome(outcome))
      return outcome
    })
    outcomes.push(...(await pool(tasks, PARALLEL)))
  }

  const results = outcomes.flatMap((outcome) => outcome.results)
  const failed = results.filter((result) => !result.ok)
  console.log(formatOutcome(outcomes[0] as ConsumerOutcome))
  if (failed.length > 0) {
    console.log(`\nfailed:`)
    for (const outcome of outcomes) for (const result of outcome.results) if (!result.ok) console.log(`  ${outcome.name}: ${result.name}`)
  }
  if (failed.length === 0 && !parsed.keep) await rm(workDir, { recursive: true, force: true })
  else console.log(`the consumer projects are kept in ${workDir}`)
  console.log(`took ${seconds(Date.now() - started)}`)
  console.log(`consumers: ${results.length - failed.length} passed, ${failed.length} failed`)
  return failed.length === 0 ? 0 : 1
}

// miniprogram-ci may leave handles open; the verdict is in, so exit with it.
process.exit(await main())
