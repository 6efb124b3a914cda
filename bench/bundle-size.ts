/**
 * Section 5: what the library adds to a mini-program package, gzipped.
 *
 * The figure of record is `miniprogram_dist/index.js` as `npm run build`
 * wrote it (`npm run bench` builds first), measured by the build's own
 * `measureEntries`. When there is no build output,
 * `src/index.ts` is bundled here with esbuild (CommonJS, ES2017, minified) and
 * the result says so. Either way, a second esbuild pass with the same
 * settings breaks the bundle down by source (XState against our own code) and
 * bundles the seed flow for comparison.
 */
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { build, type BuildOptions } from 'esbuild'
import { ratio } from './stats.ts'

export const REPO_ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)))
const BUILT_INDEX = join(REPO_ROOT, 'miniprogram_dist', 'index.js')

export interface BundleFigures {
  minifiedBytes: number
  /** zlib's default level, as the mini-program build reports it. */
  gzipBytes: number
}

export interface BundlePart {
  /** `xstate`, `machines/`, `src/client/`, … */
  part: string
  /** Bytes of the minified bundle that come from this part. */
  bytes: number
  share: number
}

export interface BundleSizeResult {
  /** Where the figure of record comes from. */
  source: 'miniprogram-build' | 'esbuild-fallback'
  /** Why the fallback was used. */
  fallbackReason?: string
  /** `miniprogram_dist/index.js` as the build makes it (or the fallback bundle). */
  index: BundleFigures & { budgetBytes?: number }
  /** Our esbuild pass of `src/index.ts`, broken down by source. */
  parts: BundlePart[]
  /** The seed flow bundled the same way. */
  seed: BundleFigures
  /** `index.gzipBytes / seed.gzipBytes`. */
  gzipOverSeed: number
}

const ESBUILD_SETTINGS: BuildOptions = {
  bundle: true,
  write: false,
  metafile: true,
  minify: true,
  platform: 'neutral',
  format: 'cjs',
  target: 'es2017',
  mainFields: ['module', 'main'],
  conditions: ['module'],
  define: { 'process.env.NODE_ENV': '"production"' },
  absWorkingDir: REPO_ROOT,
  logLevel: 'silent',
}

async function bundle(entry: string): Promise<{ code: string; inputs: Record<string, number> }> {
  const result = await build({ ...ESBUILD_SETTINGS, entryPoints: [entry], outfile: 'out.js' })
  const output = result.outputFiles?.[0]
  const meta = result.metafile ? Object.values(result.metafile.outputs)[0] : undefined
  if (!output || !meta) throw new Error(`esbuild produced no output for ${entry}`)
  const inputs: Record<string, number> = {}
  for (const [file, info] of Object.entries(meta.inputs)) inputs[file] = info.bytesInOutput
  return { code: output.text, inputs }
}

function figuresOf(code: string): BundleFigures {
  return { minifiedBytes: Buffer.byteLength(code), gzipBytes: gzipSync(code).length }
}

/** Groups bundle inputs: npm packages by name, our sources by folder (`src/client/`, `machines/`); a file directly in `src/` stands alone. */
export function partOf(input: string): string {
  const packageName = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1]
  if (packageName !== undefined) return packageName
  const segments = input.split('/')
  if (segments[0] === 'src') return segments.length > 2 ? `src/${segments[1]}/` : input
  return segments.length > 1 ? `${segments[0]}/` : input
}

function partsOf(inputs: Record<string, number>, total: number): BundlePart[] {
  const bytes = new Map<string, number>()
  for (const [input, size] of Object.entries(inputs)) bytes.set(partOf(input), (bytes.get(partOf(input)) ?? 0) + size)
  return [...bytes.entries()]
    .filter(([, size]) => size > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([part, size]) => ({ part, bytes: size, share: size / total }))
}

/** `miniprogram_dist/index.js` as the build measures it, or why there is nothing to measure. */
async function officialBuild(): Promise<{ index: BundleFigures & { budgetBytes: number } } | { reason: string }> {
  if (!existsSync(BUILT_INDEX)) return { reason: 'miniprogram_dist/index.js does not exist (run npm run build)' }
  const { measureEntries } = await import('../scripts/build/check-output.ts')
  const index = (await measureEntries(REPO_ROOT)).find((size) => size.entry === 'index')
  if (index === undefined) return { reason: 'the build measured no index entry' }
  return { index: { minifiedBytes: index.minifiedBytes, gzipBytes: index.gzipBytes, budgetBytes: index.budgetBytes } }
}

export async function measureBundleSize(options: { useBuildScript?: boolean } = {}): Promise<BundleSizeResult> {
  const ours = await bundle('src/index.ts')
  const seedBundle = await bundle('bench/seed-flow.ts')
  const oursFigures = figuresOf(ours.code)
  const seed = figuresOf(seedBundle.code)
  const parts = partsOf(ours.inputs, oursFigures.minifiedBytes)

  const official =
    options.useBuildScript === false ? { reason: 'the build script was not used (useBuildScript: false)' } : await officialBuild()
  if ('index' in official) {
    return {
      source: 'miniprogram-build',
      index: official.index,
      parts,
      seed,
      gzipOverSeed: ratio(official.index.gzipBytes, seed.gzipBytes),
    }
  }
  return {
    source: 'esbuild-fallback',
    fallbackReason: official.reason,
    index: oursFigures,
    parts,
    seed,
    gzipOverSeed: ratio(oursFigures.gzipBytes, seed.gzipBytes),
  }
}
