import { describe, expect, it } from 'vitest'
import {
  NO_LATENCY,
  formatConcurrency,
  formatHttp,
  formatLaunch,
  formatRatios,
  median,
  percentile,
  ratio,
  ratioLines,
  renderTable,
  runConcurrencyBench,
  runLaunchBench,
  type HttpThroughputResult,
} from '../../bench/index.ts'

describe('statistics', () => {
  it('median and nearest-rank percentiles', () => {
    expect(median([3, 1, 2])).toBe(2)
    expect(median([4, 1, 3, 2])).toBe(2.5)
    expect(median([])).toBeNaN()
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1)
    expect(percentile(hundred, 50)).toBe(50)
    expect(percentile(hundred, 99)).toBe(99)
    expect(percentile(hundred, 100)).toBe(100)
    expect(percentile([7], 0)).toBe(7)
    expect(() => percentile([1], 101)).toThrow(RangeError)
  })

  it('a ratio over nothing is not a number', () => {
    expect(ratio(1, 2)).toBe(0.5)
    expect(ratio(1, 0)).toBeNaN()
  })

  it('renders aligned tables', () => {
    const table = renderTable(
      ['name', 'value'],
      [
        ['a', '1'],
        ['longer', '22'],
      ],
    )
    expect(table.split('\n')).toEqual(['name    value', '------  -----', 'a           1', 'longer     22'])
  })
})

describe('report', () => {
  it('prints the launch tables and the ratios from real (instant) runs', async () => {
    const launch = await runLaunchBench({ latency: NO_LATENCY, iterations: 1, serverCheckWindowMs: 1000 })
    const text = formatLaunch(launch)
    expect(text).toContain('cold launch (nothing stored)')
    expect(text).toContain('2 / 2 / 2')
    // The window variant ends the server-side-expiry case with a revoked session, and the report says so.
    expect(text).toContain('revoked')
    const concurrency = await runConcurrencyBench({ sizes: [4], latency: NO_LATENCY, repeats: 1 })
    expect(formatConcurrency(concurrency)).toContain('single flight held')
    const lines = ratioLines({ launch, concurrency })
    expect(lines.map((line) => line.value)).toContain('4:1')
    expect(formatRatios(lines)).toContain('wx.login calls seed:ours')
  })

  it('shows a broken single flight and invalid HTTP runs loudly', async () => {
    const concurrency = await runConcurrencyBench({ sizes: [2], latency: NO_LATENCY, repeats: 1 })
    const broken = { ...concurrency, violations: ['concurrent ensureLogin (cold) x2: 2 wx.login calls (expected 1)'] }
    expect(formatConcurrency(broken)).toContain('SINGLE FLIGHT BROKEN')
    const http: HttpThroughputResult = {
      mode: 'in-process',
      connections: 1,
      runs: [],
      problems: ['login on sqlite: 3 responses were not 2xx'],
      notes: [],
      redisKeyPrefix: 'x:',
      redisKeysDeleted: 0,
    }
    expect(formatHttp(http)).toContain('INVALID RUNS')
  })
})
