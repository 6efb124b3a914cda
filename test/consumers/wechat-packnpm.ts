/**
 * The `miniprogram-ci` consumer of `npm run test:consumers` (alone:
 * `npm run test:wechat-npm`): WeChat's own npm packing (the Build npm of
 * WeChat DevTools, offline, through `miniprogram-ci`) over the packed tarball.
 *
 * miniprogram-ci is not a dependency of this repository: it is about 1,100
 * packages and 275 MB. It is installed once, pinned, into a cache folder outside
 * the repository (`MINIPROGRAM_CI_DIR`, default `~/.cache/miniprogram-login/miniprogram-ci`),
 * with install scripts off. A failed install fails the check.
 *
 * Each check copies `examples/miniprogram` into a temp folder and installs the
 * tarball into it, as a mini-program project's `npm install` does, then:
 *
 *   packNpmManually   the call DevTools makes for `packNpmManually` projects: it
 *                     resolves, reports no warning, packs our package and nothing
 *                     else, and `miniprogram_npm/miniprogram-login/` is the
 *                     tarball's `miniprogram_dist/` byte for byte
 *   packNpm           the same through `packNpm(new Project(...))`, the CI entry
 *                     point (it wants a private key; packing never uses it)
 *   control           WeChat and the assertions above do fail when they should:
 *                     packing refuses a dependency with ES2020 syntax, and a
 *                     `dependencies` entry packed with a warning is reported
 *   README's app.js   the native mini-program block of README
 *                     (test/consumers/fixtures/miniprogram/app.js), run in a
 *                     mini-program sandbox on what packing wrote: its client logs
 *                     in through the WeChat emulator and the developer server
 *
 * A package with a `miniprogram` field, like this one, is copied as it is: WeChat
 * neither parses it nor checks its `require`s. ES2017 syntax and "requires
 * nothing" are the build's own checks and test/bundle's (docs/miniprogram.md).
 */
import { createRequire } from 'node:module'
import { cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createSimulatedWx, startWechatEmulator } from '../../src/emulator/index.ts'
import { createServer, createSqliteStore } from '../../src/server/index.ts'
import { createMiniprogramSandbox, unknownModule } from '../bundle/miniprogram-sandbox.ts'
import { describeExit, lastLines, run } from './child-process.ts'
import { seconds, type CheckResult, type ConsumerOutcome } from './report.ts'

/** The miniprogram-ci release this check runs; raise it on purpose, after reading its changelog. */
export const MINIPROGRAM_CI_VERSION = '2.1.42'

const ROOT = path.resolve(fileURLToPath(new URL('../..', import.meta.url)))
const EXAMPLE_DIR = path.join(ROOT, 'examples', 'miniprogram')
/** README's native mini-program block, kept equal to README by the runner. */
const README_APP = path.join(ROOT, 'test', 'consumers', 'fixtures', 'miniprogram', 'app.js')
/** The placeholder origin of README's blocks; the sandbox's `wx.request` sends it to the local developer server instead. */
const README_API_ORIGIN = 'https://api.example.com'
const PACKAGE_NAME = 'miniprogram-login'
const INSTALL_MARKER = '.miniprogram-login-installed'

/** The parts of miniprogram-ci's API this check calls (its own types are in the cache, not here). */
interface WarnItem {
  jsPath: string
  code: string
  tips: string
  msg: string
  startLine?: number
}

interface PackNpmManuallyResult {
  miniProgramPackNum: number
  otherNpmPackNum: number
  warnList: WarnItem[]
}

interface PackNpmReport {
  miniprogram_pack_num?: number
  other_pack_num?: number
  warn_not_found_num?: number
  warn_require_var_num?: number
  warn_require_rename_num?: number
}

interface MiniprogramCi {
  packNpmManually(options: { packageJsonPath: string; miniprogramNpmDistDir: string }): Promise<PackNpmManuallyResult>
  packNpm(project: object, options?: { ignores?: string[]; reporter?: (report: PackNpmReport) => void }): Promise<WarnItem[]>
  Project: new (options: { appid: string; type: 'miniProgram'; projectPath: string; privateKeyPath: string; ignores?: string[] }) => object
}

/** What one packing run produced, in the terms the assertions use. */
interface PackOutcome {
  miniprogramPackages: number
  otherPackages: number
  warnings: WarnItem[]
}

export function miniprogramCiDir(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.MINIPROGRAM_CI_DIR
  return fromEnv ? path.resolve(fromEnv) : path.join(os.homedir(), '.cache', 'miniprogram-login', 'miniprogram-ci')
}

async function readJson(file: string): Promise<unknown> {
  return JSON.parse(await readFile(file, 'utf8')) as unknown
}

async function installedVersion(dir: string): Promise<string | undefined> {
  try {
    const marker = (await readFile(path.join(dir, INSTALL_MARKER), 'utf8')).trim()
    const manifest = await readJson(path.join(dir, 'node_modules', 'miniprogram-ci', 'package.json'))
    const version = (manifest as { version?: unknown }).version
    return marker === version && typeof version === 'string' ? version : undefined
  } catch {
    return undefined
  }
}

/** Installs the pinned miniprogram-ci into `dir` unless it is already there; returns how it went. */
export async function ensureMiniprogramCi(dir: string): Promise<string> {
  if ((await installedVersion(dir)) === MINIPROGRAM_CI_VERSION) return `miniprogram-ci ${MINIPROGRAM_CI_VERSION} already in ${dir}`
  await mkdir(dir, { recursive: true })
  await rm(path.join(dir, INSTALL_MARKER), { force: true })
  const started = Date.now()
  const args = [
    'install',
    '--no-audit',
    '--no-fund',
    '--ignore-scripts',
    '--save-exact',
    '--prefix',
    dir,
    `miniprogram-ci@${MINIPROGRAM_CI_VERSION}`,
  ]
  const install = await run('npm', args, { cwd: dir, timeoutMs: 20 * 60_000 })
  if (install.code !== 0) {
    const why = describeExit(`npm ${args.join(' ')}`, install)
    throw new Error(
      `could not install miniprogram-ci@${MINIPROGRAM_CI_VERSION} into ${dir}: ${why}\n${lastLines(install.output, 10).join('\n')}`,
    )
  }
  const manifest = await readJson(path.join(dir, 'node_modules', 'miniprogram-ci', 'package.json'))
  const version = (manifest as { version?: unknown }).version
  if (version !== MINIPROGRAM_CI_VERSION) {
    throw new Error(`npm installed miniprogram-ci ${String(version)} into ${dir}, expected ${MINIPROGRAM_CI_VERSION}`)
  }
  await writeFile(path.join(dir, INSTALL_MARKER), `${MINIPROGRAM_CI_VERSION}\n`)
  return `installed miniprogram-ci ${MINIPROGRAM_CI_VERSION} into ${dir} in ${seconds(Date.now() - started)}`
}

function loadMiniprogramCi(dir: string): MiniprogramCi {
  const ci = createRequire(path.join(dir, 'package.json'))('miniprogram-ci') as Partial<MiniprogramCi>
  for (const name of ['packNpmManually', 'packNpm', 'Project'] as const) {
    if (typeof ci[name] !== 'function') throw new Error(`miniprogram-ci in ${dir} has no function ${name}`)
  }
  return ci as MiniprogramCi
}

/** Every file under `dir`, as `/`-separated paths relative to it, sorted. */
async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .sort()
}

async function snapshot(dir: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>()
  for (const file of await listFiles(dir)) files.set(file, await readFile(path.join(dir, file)))
  return files
}

function describeWarning(warning: WarnItem): string {
  const where = warning.startLine === undefined ? warning.jsPath : `${warning.jsPath}:${warning.startLine}`
  return `${where}: ${warning.msg} (${warning.code})`
}

/**
 * What is wrong with a packing run of `projectDir`, where only our package may
 * be packed and its folder must be `expected` byte for byte. Empty when all is right.
 */
export async function findPackingProblems(
  projectDir: string,
  outcome: PackOutcome,
  expected: ReadonlyMap<string, Buffer>,
): Promise<string[]> {
  const problems = outcome.warnings.map((warning) => `WeChat warned: ${describeWarning(warning)}`)
  if (outcome.miniprogramPackages !== 1)
    problems.push(`packed ${outcome.miniprogramPackages} mini-program packages, expected 1 (${PACKAGE_NAME})`)
  if (outcome.otherPackages !== 0) problems.push(`packed ${outcome.otherPackages} other npm packages, expected none`)

  const npmDir = path.join(projectDir, 'miniprogram_npm')
  const packed = await readdir(npmDir).catch(() => undefined)
  if (packed === undefined) return [...problems, `${npmDir} was not written`]
  const extra = packed.filter((name) => name !== PACKAGE_NAME)
  if (extra.length > 0) problems.push(`miniprogram_npm/ has more than ${PACKAGE_NAME}: ${extra.join(', ')}`)
  if (!packed.includes(PACKAGE_NAME)) return [...problems, `miniprogram_npm/${PACKAGE_NAME}/ was not written`]

  const actual = await snapshot(path.join(npmDir, PACKAGE_NAME))
  for (const [file, bytes] of expected) {
    const got = actual.get(file)
    if (got === undefined) problems.push(`miniprogram_npm/${PACKAGE_NAME}/${file} is missing`)
    else if (!got.equals(bytes))
      problems.push(`miniprogram_npm/${PACKAGE_NAME}/${file} differs from the build output (${got.length} bytes, built ${bytes.length})`)
  }
  for (const file of actual.keys()) {
    if (!expected.has(file)) problems.push(`miniprogram_npm/${PACKAGE_NAME}/${file} is not in the build output`)
  }
  return problems
}

/**
 * A copy of the example with the tarball installed, as `npm install` in a
 * mini-program's folder does (its dev dependencies, the type checker's, left out).
 */
async function exampleProject(workDir: string, name: string, tarball: string): Promise<string> {
  const projectDir = path.join(workDir, name)
  await cp(EXAMPLE_DIR, projectDir, {
    recursive: true,
    filter: (source) => !['node_modules', 'miniprogram_npm', 'package-lock.json'].includes(path.basename(source)),
  })
  const manifest = (await readJson(path.join(projectDir, 'package.json'))) as { dependencies?: Record<string, string> }
  manifest.dependencies = { ...manifest.dependencies, [PACKAGE_NAME]: `file:${tarball}` }
  await writeFile(path.join(projectDir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`)
  const args = ['install', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline']
  const install = await run('npm', args, { cwd: projectDir, timeoutMs: 5 * 60_000 })
  if (install.code !== 0) throw new Error(`${describeExit(`npm ${args.join(' ')}`, install)}\n${lastLines(install.output, 10).join('\n')}`)
  return projectDir
}

async function writeFiles(dir: string, files: Record<string, string | Buffer>): Promise<void> {
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true })
    await writeFile(path.join(dir, name), text)
  }
}

async function withConsoleErrorMuted<T>(action: () => Promise<T>): Promise<T> {
  const original = console.error
  console.error = () => {}
  try {
    return await action()
  } finally {
    console.error = original
  }
}

interface Check {
  name: string
  run: () => Promise<string[]>
}

function checks(ci: MiniprogramCi, workDir: string, tarball: string, expected: ReadonlyMap<string, Buffer>): Check[] {
  return [
    {
      name: 'packNpmManually packs miniprogram_dist as it is, and nothing else',
      run: async () => {
        const projectDir = await exampleProject(workDir, 'manually', tarball)
        const result = await ci.packNpmManually({
          packageJsonPath: path.join(projectDir, 'package.json'),
          miniprogramNpmDistDir: projectDir + path.sep,
        })
        return findPackingProblems(
          projectDir,
          { miniprogramPackages: result.miniProgramPackNum, otherPackages: result.otherNpmPackNum, warnings: result.warnList },
          expected,
        )
      },
    },
    {
      name: 'packNpm(new Project(...)) packs the same',
      run: async () => {
        const projectDir = await exampleProject(workDir, 'project', tarball)
        const config = (await readJson(path.join(projectDir, 'project.config.json'))) as { appid?: unknown }
        if (typeof config.appid !== 'string') return ['examples/miniprogram/project.config.json has no appid']
        // packNpm never signs anything, but Project will not be created without a key.
        const privateKeyPath = path.join(workDir, 'unused-private.key')
        await writeFile(privateKeyPath, 'not a key: packNpm does not use it\n')
        const project = new ci.Project({
          appid: config.appid,
          type: 'miniProgram',
          projectPath: projectDir,
          privateKeyPath,
          ignores: ['node_modules/**/*'],
        })
        const reports: PackNpmReport[] = []
        const warnings = await ci.packNpm(project, { reporter: (report) => reports.push(report) })
        const report = reports.at(-1)
        if (report === undefined) return ['packNpm sent no report']
        const problems = await findPackingProblems(
          projectDir,
          { miniprogramPackages: report.miniprogram_pack_num ?? -1, otherPackages: report.other_pack_num ?? -1, warnings },
          expected,
        )
        for (const key of ['warn_not_found_num', 'warn_require_var_num', 'warn_require_rename_num'] as const) {
          if (report[key] !== 0) problems.push(`packNpm reported ${key} = ${String(report[key])}`)
        }
        return problems
      },
    },
    {
      name: 'control: the same assertions catch what WeChat refuses',
      run: async () => {
        const problems: string[] = []
        // Build npm parses (and bundles) the plain npm packages in `dependencies`, and refuses
        // syntax beyond ES2018, as in XState's own CommonJS build. Our package has no
        // `dependencies`, so none is packed; this one has one.
        const modern = path.join(workDir, 'control-modern')
        await writeFiles(modern, {
          'package.json': JSON.stringify({ name: 'control-modern', private: true, dependencies: { 'modern-syntax': '*' } }),
          'node_modules/modern-syntax/package.json': JSON.stringify({ name: 'modern-syntax', version: '1.0.0', main: 'index.js' }),
          'node_modules/modern-syntax/index.js': 'module.exports = (a) => a?.b ?? 1\n',
        })
        // packNpm console.error()s the parse error before it rejects: expected here, so kept off the output.
        const refused = await withConsoleErrorMuted(() =>
          ci.packNpmManually({ packageJsonPath: path.join(modern, 'package.json'), miniprogramNpmDistDir: modern + path.sep }),
        ).then(
          () => undefined,
          (error: unknown) => error,
        )
        if (!(refused instanceof Error && /parse js file/.test(refused.message))) {
          problems.push(
            `packNpmManually accepted \`a?.b ?? 1\` in a dependency (expected "parse js file ... failed"; got ${refused === undefined ? 'success' : String(refused)})`,
          )
        }

        // Our package, but with a `dependencies` entry on an npm package that requires a variable.
        const withDependency = path.join(workDir, 'control-dependency')
        const dist = Object.fromEntries(
          [...expected].map(([file, bytes]) => [`node_modules/${PACKAGE_NAME}/miniprogram_dist/${file}`, bytes]),
        )
        await writeFiles(withDependency, {
          'package.json': JSON.stringify({ name: 'control-dependency', private: true, dependencies: { [PACKAGE_NAME]: '*' } }),
          [`node_modules/${PACKAGE_NAME}/package.json`]: JSON.stringify({
            name: PACKAGE_NAME,
            version: '0.0.0',
            miniprogram: 'miniprogram_dist',
            dependencies: { 'dynamic-require': '*' },
          }),
          ...dist,
          'node_modules/dynamic-require/package.json': JSON.stringify({ name: 'dynamic-require', version: '1.0.0', main: 'index.js' }),
          'node_modules/dynamic-require/index.js': 'var name = "fs"\nmodule.exports = require(name)\n',
        })
        const result = await ci.packNpmManually({
          packageJsonPath: path.join(withDependency, 'package.json'),
          miniprogramNpmDistDir: withDependency + path.sep,
        })
        const found = await findPackingProblems(
          withDependency,
          { miniprogramPackages: result.miniProgramPackNum, otherPackages: result.otherNpmPackNum, warnings: result.warnList },
          expected,
        )
        for (const expectedProblem of ['WeChat warned: ', 'other npm packages', 'miniprogram_npm/ has more than']) {
          if (!found.some((problem) => problem.includes(expectedProblem))) {
            problems.push(
              `a packed dependency went unnoticed: no problem mentions "${expectedProblem}" (found: ${found.join('; ') || 'none'})`,
            )
          }
        }
        return problems
      },
    },
    {
      name: "README's native mini-program app.js runs on what packing wrote: its client logs in through the emulator and the developer server",
      run: async () => {
        const projectDir = await exampleProject(workDir, 'readme-app', tarball)
        await ci.packNpmManually({ packageJsonPath: path.join(projectDir, 'package.json'), miniprogramNpmDistDir: projectDir + path.sep })
        return runReadmeApp(path.join(projectDir, 'miniprogram_npm'))
      },
    },
  ]
}

/**
 * README's app.js on what packing wrote, in a sandbox that offers what a
 * mini-program's logic layer offers: `require('miniprogram-login')` is
 * `miniprogram_npm/miniprogram-login/index.js`, `wx` is the simulated one, its
 * `wx.request` sending README's placeholder origin to a local developer server.
 */
async function runReadmeApp(npmDir: string): Promise<string[]> {
  const appCode = await readFile(README_APP, 'utf8')
  const packedIndex = await readFile(path.join(npmDir, PACKAGE_NAME, 'index.js'), 'utf8')
  const appId = 'wx-readme-native-app'
  const secret = `readme-secret-${process.pid}-${Date.now()}`
  const wechat = await startWechatEmulator({ appId, secret })
  const server = await createServer({
    wechat: { appId, secret, apiBase: wechat.url },
    store: createSqliteStore({ path: ':memory:', sweepIntervalMs: false }),
    rateLimit: false,
  })
  const problems: string[] = []
  let auth: { ensureLogin(): Promise<{ token: string }>; stop(): void } | undefined
  let sandbox: ReturnType<typeof createMiniprogramSandbox> | undefined
  try {
    const baseUrl = await server.listen({ port: 0, host: '127.0.0.1' })
    const simulated = createSimulatedWx({ emulatorUrl: wechat.url })
    const wx = {
      login: simulated.login.bind(simulated),
      checkSession: simulated.checkSession.bind(simulated),
      getStorageSync: simulated.getStorageSync.bind(simulated),
      setStorageSync: simulated.setStorageSync.bind(simulated),
      removeStorageSync: simulated.removeStorageSync.bind(simulated),
      request: (options: Parameters<typeof simulated.request>[0]) =>
        simulated.request({ ...options, url: options.url.replace(README_API_ORIGIN, baseUrl) }),
    }
    const apps: Record<string, unknown>[] = []
    const box = createMiniprogramSandbox({ wx, App: (options) => void apps.push(options as Record<string, unknown>) })
    sandbox = box
    const requireInApp = (specifier: string): unknown => {
      if (specifier === PACKAGE_NAME) return box.runModule(packedIndex, `miniprogram_npm/${PACKAGE_NAME}/index.js`)
      throw unknownModule(specifier)
    }
    box.runModule(appCode, 'app.js', requireInApp)
    const app = apps[0]
    if (apps.length !== 1 || app === undefined) return [`App() was called ${apps.length} times`]
    if (typeof app.onLaunch !== 'function') return ['App() got no onLaunch']
    ;(app.onLaunch as () => void).call(app)
    auth = app.auth as typeof auth
    if (typeof auth?.ensureLogin !== 'function') return ['App({ auth }): auth is not a login client']
    const session = await auth.ensureLogin()
    const check = await fetch(`${baseUrl}/auth/session`, { method: 'POST', headers: { authorization: `Bearer ${session.token}` } })
    if (check.status !== 200) problems.push(`the developer server does not know the session (POST /auth/session answered ${check.status})`)
    if (simulated.sim.calls.login !== 1) problems.push(`wx.login was called ${simulated.sim.calls.login} times, expected 1`)
    if (box.unknownGlobals.length > 0) problems.push(`touched globals a mini-program lacks: ${box.unknownGlobals.join(', ')}`)
    const errors = box.consoleEntries.filter((entry) => entry.level === 'error' || entry.level === 'warn')
    for (const entry of errors) problems.push(`console.${entry.level}: ${entry.text}`)
  } finally {
    auth?.stop()
    sandbox?.dispose()
    await server.close()
    await wechat.close()
  }
  return problems
}

export interface WechatPackNpmContext {
  /** The packed tarball. */
  tarball: string
  /** The tarball, extracted (its `package/` folder). */
  packageDir: string
  /** A folder of this consumer's own, for the projects it packs. */
  workDir: string
}

/** The `miniprogram-ci` consumer: its "install" is miniprogram-ci's cache; its checks, those above. */
export async function wechatPackNpmConsumer(context: WechatPackNpmContext): Promise<ConsumerOutcome> {
  const installStarted = Date.now()
  let ci: MiniprogramCi
  try {
    await ensureMiniprogramCi(miniprogramCiDir())
    ci = loadMiniprogramCi(miniprogramCiDir())
  } catch (error) {
    const details = (error instanceof Error ? error.message : String(error)).split('\n')
    return {
      name: 'miniprogram-ci',
      installMs: Date.now() - installStarted,
      results: [{ name: `miniprogram-ci ${MINIPROGRAM_CI_VERSION} is installed in ${miniprogramCiDir()}`, ok: false, details }],
    }
  }
  const installMs = Date.now() - installStarted
  const expected = await snapshot(path.join(context.packageDir, 'miniprogram_dist'))
  const checkStarted = Date.now()
  const results: CheckResult[] = []
  for (const check of checks(ci, context.workDir, context.tarball, expected)) {
    const problems = await check.run().catch((error: unknown) => [`threw: ${error instanceof Error ? error.message : String(error)}`])
    results.push({ name: check.name, ok: problems.length === 0, details: problems.flatMap((problem) => problem.split('\n')) })
  }
  return { name: 'miniprogram-ci', installMs, checkMs: Date.now() - checkStarted, results }
}
