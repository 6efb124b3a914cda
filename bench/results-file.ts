/** `bench/results.json`: the raw numbers of one run, with nothing secret in them. */
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { dirname } from 'node:path'
import { redactUrl, type BenchConfig } from './config.ts'
import type { RatioLine } from './report.ts'

export interface ResultsRecord {
  generatedAt: string
  machine: { node: string; cpus: number; cpuModel: string | undefined; loadBefore: number[]; loadAfter: number[] }
  config: BenchConfig
  durationSec: number
  ratios: RatioLine[]
  results: unknown
  failures: string[]
}

export function resultsRecord(input: {
  config: BenchConfig
  loadBefore: number[]
  loadAfter: number[]
  durationSec: number
  ratios: RatioLine[]
  results: unknown
  failures: string[]
}): ResultsRecord {
  return {
    generatedAt: new Date().toISOString(),
    machine: {
      node: process.version,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model.trim(),
      loadBefore: input.loadBefore,
      loadAfter: input.loadAfter,
    },
    // A Redis URL may carry a password.
    config: { ...input.config, redisUrl: redactUrl(input.config.redisUrl) },
    durationSec: input.durationSec,
    ratios: input.ratios,
    results: input.results,
    failures: input.failures,
  }
}

/** JSON has no NaN or Infinity: a figure that could not be computed is written as `null`. */
export function resultsJson(record: ResultsRecord): string {
  return `${JSON.stringify(record, (_key, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? null : value), 2)}\n`
}

export function writeResults(path: string, record: ResultsRecord): void {
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, resultsJson(record))
}
