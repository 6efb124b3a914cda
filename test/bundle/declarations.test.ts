/**
 * The `.d.ts` files of the mini-program package, type-checked the way a
 * mini-program project sees them: `miniprogram-api-typings` and no Node
 * types, classic Node module resolution, no `.ts` import extensions.
 */
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildPackage, type BuiltPackage } from './built-package.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** TypeScript passes take seconds, more on a busy machine. Safety nets, not measures. */
const DECLARATION_BUILD_TIMEOUT_MS = 180_000
const TYPE_CHECK_TIMEOUT_MS = 90_000

let pkg: BuiltPackage

beforeAll(async () => {
  pkg = await buildPackage({ declarations: true })
}, DECLARATION_BUILD_TIMEOUT_MS)

afterAll(async () => {
  await pkg?.remove()
})

/** A consumer's view: what a mini-program's tsconfig typically says. */
function consumerProgram(rootNames: string[]): ts.Program {
  return ts.createProgram({
    rootNames,
    options: {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2017,
      lib: ['lib.es2020.d.ts'],
      module: ts.ModuleKind.CommonJS,
      moduleResolution: ts.ModuleResolutionKind.Node10,
      types: ['miniprogram-api-typings'],
      typeRoots: [path.join(ROOT, 'node_modules')],
      // The package's own dependency, as npm would install it beside the package.
      paths: { xstate: [path.join(ROOT, 'node_modules/xstate')] },
      skipLibCheck: false,
    },
  })
}

/**
 * Known and reported: the Alipay and uni-app adapters' types name the ambient
 * globals of `@mini-types/my` and `@dcloudio/types`, which are this package's
 * dev dependencies, not a WeChat project's. With `skipLibCheck` (as in
 * examples/miniprogram) they read as `any`; nothing WeChat-facing uses them.
 */
const FOREIGN_PLATFORM_TYPE_GAPS = [
  { file: 'types/src/platform/alipay.d.ts', message: "Cannot find name 'my'." },
  { file: 'types/src/platform/uni-app.d.ts', message: "Cannot find namespace 'UniNamespace'." },
]

function diagnosticsIn(program: ts.Program, dir: string): string[] {
  return ts
    .getPreEmitDiagnostics(program)
    .filter((diagnostic) => diagnostic.file === undefined || diagnostic.file.fileName.startsWith(dir))
    .filter((diagnostic) => {
      const file = diagnostic.file && path.relative(dir, diagnostic.file.fileName)
      const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')
      return !FOREIGN_PLATFORM_TYPE_GAPS.some((gap) => gap.file === file && gap.message === message)
    })
    .map((diagnostic) => {
      const where = diagnostic.file ? `${path.relative(dir, diagnostic.file.fileName)}: ` : ''
      return `${where}${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`
    })
}

function exportsOf(program: ts.Program, file: string): string[] {
  const checker = program.getTypeChecker()
  const source = program.getSourceFile(file)
  const symbol = source && checker.getSymbolAtLocation(source)
  if (!symbol) throw new Error(`${file} is not a module`)
  return checker.getExportsOfModule(symbol).map((exported) => exported.getName())
}

describe('the declarations of miniprogram_dist', () => {
  it('lists what it wrote: index.d.ts, inspect.d.ts and the declarations they re-export', () => {
    expect(pkg.result.declarations.slice(0, 2)).toEqual(['index.d.ts', 'inspect.d.ts'])
    expect(pkg.result.declarations).toContain('types/src/index.d.ts')
    expect(pkg.result.declarations).toContain('types/machines/login.machine.d.ts')
    expect(pkg.result.declarations.some((name) => /types\/src\/(server|emulator|local-dev|inspect\/relay)\//.test(name))).toBe(false)
  })

  it(
    'declare every runtime export of both bundles, and the types a page needs',
    async () => {
      const program = consumerProgram([path.join(pkg.dir, 'index.d.ts'), path.join(pkg.dir, 'inspect.d.ts')])
      const indexTypes = exportsOf(program, path.join(pkg.dir, 'index.d.ts'))
      const inspectTypes = exportsOf(program, path.join(pkg.dir, 'inspect.d.ts'))

      expect(indexTypes).toEqual(expect.arrayContaining(Object.keys(await import('../../src/index.ts'))))
      expect(indexTypes).toEqual(
        expect.arrayContaining(['LoginClient', 'LoginClientOptions', 'LoginSnapshot', 'Session', 'Platform', 'LoginErrorCode']),
      )
      expect(inspectTypes).toEqual(expect.arrayContaining(Object.keys(await import('../../src/inspect/index.ts'))))
    },
    TYPE_CHECK_TIMEOUT_MS,
  )

  it(
    'type-check without Node types, and a wrong call is an error',
    async () => {
      const consumer = path.join(pkg.dir, 'consumer.ts')
      await writeFile(
        consumer,
        [
          "import { createLoginClient, wechatPlatform, LoginError, type LoginClient, type Session } from './index'",
          "import { createMiniprogramInspector } from './inspect'",
          "const inspector = createMiniprogramInspector({ url: 'ws://127.0.0.1:8080', connectSocket: wx.connectSocket.bind(wx) })",
          "const auth: LoginClient = createLoginClient({ platform: wechatPlatform(wx), server: { baseUrl: 'https://api.example.com' }, inspect: inspector.inspect })",
          'const pending: Promise<Session> = auth.ensureLogin()',
          "const status: Promise<number> = auth.request({ url: '/api/me' }).then((response) => response.statusCode)",
          "const unsubscribe = auth.subscribe((snapshot) => { if (snapshot.matches('authenticated')) console.log(snapshot.context.session?.expiresAt) })",
          "const code: string = new LoginError('network').code",
          '// @ts-expect-error the platform is required',
          "createLoginClient({ server: { baseUrl: 'https://api.example.com' } })",
          'export { pending, status, unsubscribe, code }',
          '',
        ].join('\n'),
      )
      const program = consumerProgram([consumer])

      expect(diagnosticsIn(program, pkg.dir)).toEqual([])
      expect(program.getSourceFiles().some((file) => file.fileName.includes('/@types/node/'))).toBe(false)
    },
    TYPE_CHECK_TIMEOUT_MS,
  )
})
