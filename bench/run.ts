/**
 * `npm run bench`: every section, one after the other, printed as tables of
 * figures measured side by side in this run, with the raw numbers written to
 * `bench/results.json`. Exits 1 when a section failed, when our client broke
 * single flight, or when an HTTP run had failed requests; 2 on bad flags.
 *
 *   npm run bench
 *   npm run bench -- --only=launch,concurrency --iterations=20 --server-ms=120
 *   BENCH_WX_LOGIN_MS=300 npm run bench
 */
import { cpus, loadavg } from 'node:os'
import { resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import { measureBundleSize, REPO_ROOT, type BundleSizeResult } from './bundle-size.ts'
import { runConcurrencyBench, type ConcurrencyResult } from './concurrency.ts'
import {
  benchUsage,
  BenchConfigError,
  describeLatency,
  parseBenchConfig,
  wantsHelp,
  type BenchConfig,
  type BenchSection,
} from './config.ts'
import { runHttpThroughput, type HttpThroughputResult } from './http-throughput.ts'
import { runLaunchBench, type LaunchResult } from './launch.ts'
import { runOverheadBench, type OverheadResult } from './overhead.ts'
import { resultsRecord, writeResults } from './results-file.ts'
import { formatBundle, formatConcurrency, formatHttp, formatLaunch, formatOverhead, formatRatios, ratioLines } from './report.ts'

interface SectionResults {
  launch?: LaunchResult
  concurrency?: ConcurrencyResult
  overhead?: OverheadResult
  http?: HttpThroughputResult
  bundle?: BundleSizeResult
}

/** Runs one section, prints its tables, records its result; returns what went wrong. */
async function runSection(section: BenchSection, config: BenchConfig, results: SectionResults): Promise<string[]> {
  switch (section) {
    case 'launch': {
      const result = await runLaunchBench({
        latency: config.latency,
        iterations: config.launchIterations,
        serverCheckWindowMs: config.serverCheckWindowMs,
      })
      results.launch = result
      console.log(formatLaunch(result))
      return []
    }
    case 'concurrency': {
      const result = await runConcurrencyBench({ sizes: config.concurrency, latency: config.latency, repeats: config.concurrencyRepeats })
      results.concurrency = result
      console.log(formatConcurrency(result))
      return result.violations.map((violation) => `single flight: ${violation}`)
    }
    case 'overhead': {
      const result = await runOverheadBench({
        sliceMs: config.overheadSliceMs,
        rounds: config.overheadRounds,
        memoryClients: config.memoryClients,
      })
      results.overhead = result
      console.log(formatOverhead(result))
      return []
    }
    case 'http': {
      const result = await runHttpThroughput({
        durationSec: config.httpDurationSec,
        rounds: config.httpRounds,
        warmupSec: config.httpWarmupSec,
        connections: config.httpConnections,
        inProcess: config.httpInProcess,
        redisUrl: config.redisUrl,
      })
      results.http = result
      console.log(formatHttp(result))
      return result.problems.map((problem) => `http: ${problem}`)
    }
    case 'bundle': {
      const result = await measureBundleSize()
      results.bundle = result
      console.log(formatBundle(result))
      return []
    }
  }
}

function machineLine(): string {
  const load = loadavg()
    .map((value) => value.toFixed(2))
    .join(' ')
  return `node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model.trim() ?? 'unknown'}), load average ${load}`
}

async function main(argv: readonly string[]): Promise<number> {
  if (wantsHelp(argv)) {
    console.log(benchUsage())
    return 0
  }
  let config: BenchConfig
  try {
    config = parseBenchConfig(argv, process.env)
  } catch (error) {
    if (!(error instanceof BenchConfigError)) throw error
    console.error(`bench: ${error.message}`)
    return 2
  }

  const started = performance.now()
  const loadBefore = loadavg()
  console.log(`miniprogram-login bench: ${config.sections.join(', ')}`)
  console.log(machineLine())
  if ((loadBefore[0] ?? 0) > cpus().length)
    console.log('warning: the machine is busy (load above its CPU count); timings will be noisy, the ratios less so')
  if (typeof (globalThis as { gc?: unknown }).gc !== 'function')
    console.log('note: no global.gc (run with --expose-gc); the memory figure will be skipped')
  console.log(`simulated latency: ${describeLatency(config.latency)}`)

  const results: SectionResults = {}
  const failures: string[] = []
  for (const section of config.sections) {
    console.log('')
    const sectionStarted = performance.now()
    try {
      failures.push(...(await runSection(section, config, results)))
    } catch (error) {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error)
      console.log(`${section}: FAILED\n${message}`)
      failures.push(`${section}: ${error instanceof Error ? error.message : String(error)}`)
    }
    console.log(`   (${section}: ${((performance.now() - sectionStarted) / 1000).toFixed(1)} s)`)
  }

  const ratios = ratioLines(results)
  if (ratios.length > 0) console.log(`\n${formatRatios(ratios)}`)

  const resultsPath = resolve(REPO_ROOT, config.resultsPath)
  const durationSec = (performance.now() - started) / 1000
  writeResults(resultsPath, resultsRecord({ config, loadBefore, loadAfter: loadavg(), durationSec, ratios, results, failures }))
  console.log(`\nraw numbers: ${resultsPath} (${durationSec.toFixed(1)} s in all)`)

  if (failures.length > 0) {
    console.log(`\nFAILED (${failures.length}):`)
    for (const failure of failures) console.log(`- ${failure}`)
    return 1
  }
  return 0
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    console.error(error)
    process.exitCode = 1
  },
)
