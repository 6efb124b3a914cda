/**
 * The `.d.ts` files of the mini-program package, type-checked the way a
 * mini-program project sees them: `miniprogram-api-typings` and no Node
 * types, classic Node module resolution, no `.ts` import extensions.
 */
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { mkdtemp, readdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { beforeAll, describe, expect, it } from 'vitest'
import { builtPackage, type BuiltPackage } from './built-package.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** TypeScript passes take seconds, more on a busy machine. Safety nets, not measures. */
const TYPE_CHECK_TIMEOUT_MS = 90_000

let pkg: BuiltPackage

beforeAll(async () => {
  pkg = await builtPackage()
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

function diagnosticsIn(program: ts.Program, dir: string): string[] {
  return ts
    .getPreEmitDiagnostics(program)
    .filter((diagnostic) => diagnostic.file === undefined || diagnostic.file.fileName.startsWith(dir))
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
  it('are the entries’ declarations and the chunks they share, bundled: no source path, nothing Node-only', async () => {
    const names = (await readdir(pkg.dir)).filter((name) => name.endsWith('.d.ts'))
    expect(names).toEqual(expect.arrayContaining(['index.d.ts', 'inspect.d.ts', 'platforms.d.ts']))
    for (const name of names) {
      const text = await pkg.read(name)
      expect(text, name).not.toMatch(/from '\.{1,2}\/(src|machines)\//)
      expect(text, name).not.toMatch(/\.ts['"]/)
      expect(text, name).not.toMatch(/fastify|ioredis|better-sqlite3/)
    }
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
      const consumer = path.join(await mkdtemp(path.join(tmpdir(), 'mpl-consumer-')), 'consumer.ts')
      await writeFile(
        consumer,
        [
          `import { createLoginClient, wechatPlatform, LoginError, type LoginClient, type Session } from '${pkg.dir}/index'`,
          `import { createMiniprogramInspector } from '${pkg.dir}/inspect'`,
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
      expect(diagnosticsIn(program, path.dirname(consumer))).toEqual([])
      expect(program.getSourceFiles().some((file) => file.fileName.includes('/@types/node/'))).toBe(false)
    },
    TYPE_CHECK_TIMEOUT_MS,
  )
})
