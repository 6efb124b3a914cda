import { describe, expect, it } from 'vitest'
import { measureBundleSize, partOf } from '../../bench/index.ts'

describe('bundle size', () => {
  it('falls back to its own esbuild bundle, and says so', async () => {
    const result = await measureBundleSize({ useBuildScript: false })
    expect(result.source).toBe('esbuild-fallback')
    expect(result.fallbackReason).toMatch(/not used/)
    expect(result.index.gzipBytes).toBeGreaterThan(0)
    expect(result.index.gzipBytes).toBeLessThan(result.index.minifiedBytes)
    expect(result.seed.gzipBytes).toBeLessThan(result.index.gzipBytes)
    expect(result.gzipOverSeed).toBeCloseTo(result.index.gzipBytes / result.seed.gzipBytes)
    // The breakdown accounts for the bundle: XState and our own folders, no Node-only code.
    const parts = result.parts.map((part) => part.part)
    expect(parts).toEqual(expect.arrayContaining(['xstate', 'machines/', 'src/client/']))
    expect(parts.some((part) => part.startsWith('src/server') || part.startsWith('src/emulator'))).toBe(false)
    const shares = result.parts.reduce((sum, part) => sum + part.share, 0)
    expect(shares).toBeGreaterThan(0.9)
    expect(shares).toBeLessThanOrEqual(1)
  })

  it('measures miniprogram_dist/index.js as the build wrote it', async () => {
    const result = await measureBundleSize()
    expect(result.fallbackReason).toBeUndefined()
    expect(result.source).toBe('miniprogram-build')
    expect(result.index.budgetBytes).toBeGreaterThan(0)
    expect(result.index.gzipBytes).toBeLessThan(result.index.minifiedBytes)
  })

  it('groups bundle inputs by package and folder', () => {
    expect(partOf('node_modules/xstate/dist/raise-x.esm.js')).toBe('xstate')
    expect(partOf('node_modules/@scope/pkg/index.js')).toBe('@scope/pkg')
    expect(partOf('src/client/single-flight.ts')).toBe('src/client/')
    expect(partOf('src/index.ts')).toBe('src/index.ts')
    expect(partOf('machines/login.machine.ts')).toBe('machines/')
    expect(partOf('mpl-virtual:abort-controller')).toBe('mpl-virtual:abort-controller')
  })
})
