/**
 * The parts of the package layout that are not tsup's output:
 *
 * - `miniprogram_dist/package.json`, which says its `.js` files are CommonJS
 *   (the package itself is `"type": "module"`), so `require()` and bundlers read
 *   them right; WeChat's Build npm copies it along, harmlessly.
 * - the `/// <reference types>` lines of the client declarations
 *   (`DECLARATION_TYPE_REFERENCES`), which tsup leaves out.
 * - the client declarations, copied from dist/ into miniprogram_dist/: under
 *   that package.json TypeScript reads them as CommonJS, which is what a
 *   `require()` of the entry gets.
 * - one folder per subpath (`platforms/`, `server/`, …) holding a package.json
 *   that points at the built files: resolvers that predate `exports` (webpack 4,
 *   TypeScript's `moduleResolution: node`) find `miniprogram-login/platforms` there.
 *   `/machines` has none: `machines/` is the source folder, and that entry is for
 *   Node, whose resolver reads `exports`.
 * - the inspector page's own script and style, which the relay reads from
 *   `./page/` beside its module (src/inspect/relay/assets.ts), copied to dist/node/page/.
 * - the `exports` map package.json must carry, derived from the entry table.
 */
import { copyFile, cp, mkdir, readFile, readdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { CLIENT_CJS_DIR, CLIENT_ENTRIES, CLIENT_ESM_DIR, DECLARATION_TYPE_REFERENCES, NODE_DIR, NODE_ENTRIES } from './entries.ts'

type Conditions = Record<string, string | Record<string, string>>

export function expectedExports(): Record<string, Conditions | string> {
  const exports: Record<string, Conditions | string> = {}
  for (const [name, { subpath }] of Object.entries(CLIENT_ENTRIES)) {
    exports[subpath] = {
      import: { types: `./${CLIENT_ESM_DIR}/${name}.d.ts`, default: `./${CLIENT_ESM_DIR}/${name}.js` },
      require: { types: `./${CLIENT_CJS_DIR}/${name}.d.ts`, default: `./${CLIENT_CJS_DIR}/${name}.js` },
      default: `./${CLIENT_ESM_DIR}/${name}.js`,
    }
  }
  for (const [name, { subpath }] of Object.entries(NODE_ENTRIES)) {
    exports[subpath] = { types: `./${NODE_DIR}/${name}.d.ts`, import: `./${NODE_DIR}/${name}.js`, default: `./${NODE_DIR}/${name}.js` }
  }
  exports['./package.json'] = './package.json'
  return exports
}

/** The folders written for legacy resolution, relative to the package root. */
export function legacyFolders(): { dir: string; manifest: Record<string, string> }[] {
  const folders: { dir: string; manifest: Record<string, string> }[] = []
  for (const [name, { subpath }] of Object.entries(CLIENT_ENTRIES)) {
    if (subpath === '.') continue
    const dir = subpath.slice(2)
    const up = path.posix.relative(dir, '.')
    folders.push({
      dir,
      manifest: {
        main: `${up}/${CLIENT_CJS_DIR}/${name}.js`,
        module: `${up}/${CLIENT_ESM_DIR}/${name}.js`,
        types: `${up}/${CLIENT_ESM_DIR}/${name}.d.ts`,
      },
    })
  }
  for (const [name, { subpath }] of Object.entries(NODE_ENTRIES)) {
    if (subpath === './machines') continue
    const dir = subpath.slice(2)
    const up = path.posix.relative(dir, '.')
    folders.push({ dir, manifest: { type: 'module', main: `${up}/${NODE_DIR}/${name}.js`, types: `${up}/${NODE_DIR}/${name}.d.ts` } })
  }
  return folders
}

export async function writePackageLayout(root: string): Promise<string[]> {
  const written: string[] = []
  const cjsManifest = path.join(root, CLIENT_CJS_DIR, 'package.json')
  await writeFile(cjsManifest, `${JSON.stringify({ type: 'commonjs' }, null, 2)}\n`)
  written.push(`${CLIENT_CJS_DIR}/package.json`)
  for (const [name, typings] of Object.entries(DECLARATION_TYPE_REFERENCES)) {
    const file = path.join(root, CLIENT_ESM_DIR, `${name}.d.ts`)
    const lines = typings.map((typing) => `/// <reference types="${typing}" />\n`).join('')
    await writeFile(file, lines + (await readFile(file, 'utf8')))
    written.push(`${CLIENT_ESM_DIR}/${name}.d.ts (type references)`)
  }
  for (const name of (await readdir(path.join(root, CLIENT_ESM_DIR))).filter((file) => file.endsWith('.d.ts'))) {
    await copyFile(path.join(root, CLIENT_ESM_DIR, name), path.join(root, CLIENT_CJS_DIR, name))
    written.push(`${CLIENT_CJS_DIR}/${name}`)
  }
  await cp(path.join(root, 'src/inspect/relay/page'), path.join(root, NODE_DIR, 'page'), { recursive: true })
  written.push(`${NODE_DIR}/page/`)
  for (const { dir, manifest } of legacyFolders()) {
    await mkdir(path.join(root, dir), { recursive: true })
    const file = path.join(dir, 'package.json')
    await writeFile(path.join(root, file), `${JSON.stringify({ private: true, ...manifest }, null, 2)}\n`)
    written.push(file)
  }
  return written
}
