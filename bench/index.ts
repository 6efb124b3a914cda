/**
 * The benchmarks behind `npm run bench` (entry: `bench/run.ts`), one module
 * per section, exported here for the tests in `test/bench/`.
 */
export {
  BENCH_SECTIONS,
  BenchConfigError,
  DEFAULT_LATENCY,
  NO_LATENCY,
  benchUsage,
  defaultBenchConfig,
  parseBenchConfig,
  redactUrl,
} from './config.ts'
export type { BenchConfig, BenchSection, SimulatedLatency } from './config.ts'

export { API_URL, CODE_TTL_MS, createSimulatedServices, emptyCounts, roundTripsOf, sequentialLatencyOf } from './simulated-services.ts'
export type { ServiceCounts, SimulatedServices, SimulatedServicesOptions } from './simulated-services.ts'

export { createSeedFlow, SEED_STORAGE_KEY } from './seed-flow.ts'
export type { SeedFlow, SeedFlowOptions } from './seed-flow.ts'
export { createLauncher, VARIANT_LABELS } from './launchers.ts'
export type { Launcher, LauncherOptions, Variant } from './launchers.ts'

export { LAUNCH_CASES, LAUNCH_CASE_LABELS, LAUNCH_VARIANTS, runLaunchBench, runLaunchOnce, summarizeLaunch } from './launch.ts'
export type { LaunchCase, LaunchResult, LaunchSample, LaunchSummary } from './launch.ts'
export { BURST_LABELS, runConcurrencyBench, runEnsureLoginBurst, runUnauthorizedBurst, singleFlightViolations } from './concurrency.ts'
export type { BurstKind, BurstResult, ConcurrencyResult } from './concurrency.ts'
export { FLOW_LABELS, compareFlowRates, measureClientMemory, measureFlowRate, runOverheadBench } from './overhead.ts'
export type { FlowComparison, FlowKind, FlowRate, MemoryMeasurement, OverheadResult, OverheadVariant } from './overhead.ts'
export { runHttpThroughput } from './http-throughput.ts'
export type { HttpRoute, HttpRun, HttpThroughputOptions, HttpThroughputResult } from './http-throughput.ts'
export { HELLO_PATH, deleteRedisKeys, startHttpTargets } from './http-targets.ts'
export type { HttpTargetName, HttpTargets, HttpTargetsInfo, HttpTargetsOptions } from './http-targets.ts'
export { measureBundleSize, partOf } from './bundle-size.ts'
export type { BundleFigures, BundlePart, BundleSizeResult } from './bundle-size.ts'

export { formatBundle, formatConcurrency, formatHttp, formatLaunch, formatOverhead, formatRatios, ratioLines } from './report.ts'
export type { RatioLine } from './report.ts'
export { resultsJson, resultsRecord, writeResults } from './results-file.ts'
export type { ResultsRecord } from './results-file.ts'
export { formatBytes, formatMs, formatPercent, formatRatio, median, percentile, ratio, renderTable } from './stats.ts'
