/**
 * An esbuild plugin for the client builds: fails the build when a bundle takes
 * in a Node-only source or an npm package nobody checked for mini-programs.
 * (A Node built-in cannot get in at all: the client builds are
 * `platform: 'neutral'`, where `node:` modules do not resolve.)
 */
import type { Plugin } from 'esbuild'
import { BUNDLED_PACKAGES, NODE_ONLY_SOURCES } from './entries.ts'

/** Why an input (relative, `/`-separated, as esbuild's metafile names it) may not be in a client bundle, or `undefined`. */
export function disallowedInput(input: string): string | undefined {
  const nodeOnly = NODE_ONLY_SOURCES.find((prefix) => input.startsWith(prefix))
  if (nodeOnly) return `${input}: ${nodeOnly} is Node-only`
  const packageName = /^node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1]
  if (packageName !== undefined) {
    if (!(BUNDLED_PACKAGES as readonly string[]).includes(packageName)) {
      return `${input}: the package '${packageName}' is not in BUNDLED_PACKAGES (check that it runs in a mini-program first)`
    }
    if (/development/.test(input)) return `${input}: a development build`
    return undefined
  }
  if (input.startsWith('src/') || input.startsWith('machines/') || input === 'scripts/build/abort-controller-shim.js') return undefined
  return `${input}: neither library source nor an allowed package`
}

export const guardClientInputs: Plugin = {
  name: 'mpl-guard-client-inputs',
  setup(build) {
    build.initialOptions.metafile = true
    build.onEnd((result) => {
      const inputs = Object.keys(result.metafile?.inputs ?? {})
      for (const input of inputs) {
        const problem = disallowedInput(input)
        if (problem !== undefined)
          result.errors.push({ id: '', pluginName: 'mpl-guard-client-inputs', text: problem, location: null, notes: [], detail: undefined })
      }
    })
  },
}
