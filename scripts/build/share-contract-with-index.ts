/**
 * For the mini-program files other than index.js (platforms.js, inspect.js):
 * what they import from `src/contract/` is bundled as usual, except the names
 * index.js exports too (`LoginError`, `isLoginError`, …), which are taken from
 * `./index.js` at runtime. So a `LoginError` thrown by an adapter from
 * platforms.js is a `LoginError` to the client's `isLoginError`: one class, not
 * two copies. (The ESM build in dist/ gets the same from code splitting.)
 */
import type { Plugin } from 'esbuild'
import path from 'node:path'

const NAMESPACE = 'mpl-shared-contract'

export function shareContractWithIndex(contractDir: string, sharedNames: readonly string[]): Plugin {
  const dir = path.resolve(contractDir) + path.sep
  return {
    name: 'mpl-share-contract-with-index',
    setup(build) {
      build.onResolve({ filter: /\.ts$/ }, (args) => {
        // Inside the contract, and from the shim module itself, imports resolve as usual.
        if (args.namespace === NAMESPACE || args.importer.startsWith(dir)) return undefined
        const resolved = path.resolve(args.resolveDir, args.path)
        return resolved.startsWith(dir) ? { path: resolved, namespace: NAMESPACE } : undefined
      })
      build.onResolve({ filter: /^\.\/index\.js$/, namespace: NAMESPACE }, () => ({ path: './index.js', external: true }))
      build.onLoad({ filter: /.*/, namespace: NAMESPACE }, (args) => ({
        contents: [
          `export * from ${JSON.stringify(args.path)}`,
          sharedNames.length > 0 ? `export { ${sharedNames.join(', ')} } from './index.js'` : '',
        ].join('\n'),
        resolveDir: path.dirname(args.path),
        loader: 'js',
      }))
    },
  }
}
