/** Turns each section's result into the text tables `npm run bench` prints. */
import type { BundleSizeResult } from './bundle-size.ts'
import { describeLatency } from './config.ts'
import { BURST_LABELS, type BurstKind, type BurstResult, type ConcurrencyResult } from './concurrency.ts'
import { LAUNCH_CASE_LABELS, LAUNCH_CASES, type LaunchCase, type LaunchResult, type LaunchSummary } from './launch.ts'
import type { Variant } from './launchers.ts'
import type { HttpRun, HttpThroughputResult } from './http-throughput.ts'
import { FLOW_LABELS, type OverheadResult } from './overhead.ts'
import { formatBytes, formatCount, formatMs, formatPercent, formatRatio, ratio, renderTable } from './stats.ts'

/** One line of the closing summary: a ratio measured in this run. */
export interface RatioLine {
  what: string
  value: string
}

function summaryOf(result: LaunchResult, launchCase: LaunchCase, variant: Variant): LaunchSummary | undefined {
  return result.summaries.find((summary) => summary.launchCase === launchCase && summary.variant === variant)
}

function signedMs(ms: number): string {
  return Number.isFinite(ms) ? `${ms >= 0 ? '+' : ''}${ms.toFixed(1)}` : 'n/a'
}

export function formatLaunch(result: LaunchResult): string {
  const toSession: string[][] = []
  const toAnswer: string[][] = []
  let staleSession = false
  for (const launchCase of LAUNCH_CASES) {
    const seed = summaryOf(result, launchCase, 'seed')
    const ours = summaryOf(result, launchCase, 'ours')
    const window = summaryOf(result, launchCase, 'oursWindow')
    if (!seed || !ours || !window) continue
    if (!window.serverValid) staleSession = true
    toSession.push([
      LAUNCH_CASE_LABELS[launchCase],
      formatMs(seed.medianMs),
      formatMs(ours.medianMs),
      formatRatio(ratio(ours.medianMs, seed.medianMs)),
      `${formatMs(window.medianMs)}${window.serverValid ? '' : ' *'}`,
      formatRatio(ratio(window.medianMs, seed.medianMs)),
      `${seed.roundTrips} / ${ours.roundTrips} / ${window.roundTrips}`,
      `${signedMs(seed.overheadMs)} / ${signedMs(ours.overheadMs)} / ${signedMs(window.overheadMs)}`,
    ])
    toAnswer.push([
      LAUNCH_CASE_LABELS[launchCase],
      formatMs(seed.firstAnswerMedianMs),
      formatMs(ours.firstAnswerMedianMs),
      formatRatio(ratio(ours.firstAnswerMedianMs, seed.firstAnswerMedianMs)),
      formatMs(window.firstAnswerMedianMs),
      formatRatio(ratio(window.firstAnswerMedianMs, seed.firstAnswerMedianMs)),
      `${seed.firstAnswerRoundTrips} / ${ours.firstAnswerRoundTrips} / ${window.firstAnswerRoundTrips}`,
    ])
  }
  const iterations = result.summaries[0]?.iterations ?? 0
  const windowLabel = `ours + window (${result.serverCheckWindowMs} ms)`
  return [
    `1. Time to authenticated at app launch: median of ${iterations} launches per cell; ${describeLatency(result.latency)}`,
    '',
    renderTable(
      ['case', 'seed flow', 'ours', 'ours/seed', windowLabel, 'window/seed', 'round trips s/o/w', 'ms beyond latency s/o/w'],
      toSession,
    ),
    ...(staleSession
      ? [
          '  * authenticated with a session the server had already revoked: the window skipped the server check; the next table shows what the first request pays',
        ]
      : []),
    '',
    '   ... and to the first API answer (launch, then one request; a 401 is followed by a fresh login and one replay)',
    '',
    renderTable(['case', 'seed flow', 'ours', 'ours/seed', windowLabel, 'window/seed', 'round trips s/o/w'], toAnswer),
  ].join('\n')
}

function burstFor(result: ConcurrencyResult, kind: BurstKind, variant: BurstResult['variant'], n: number): BurstResult | undefined {
  return result.bursts.find((burst) => burst.kind === kind && burst.variant === variant && burst.concurrency === n)
}

export function formatConcurrency(result: ConcurrencyResult): string {
  const sizes = [...new Set(result.bursts.map((burst) => burst.concurrency))]
  const rows: string[][] = []
  for (const kind of ['ensureLogin', 'request401'] as const) {
    for (const n of sizes) {
      const seed = burstFor(result, kind, 'seed', n)
      const ours = burstFor(result, kind, 'ours', n)
      if (!seed || !ours) continue
      rows.push([
        BURST_LABELS[kind],
        formatCount(n),
        `${formatCount(seed.counts.wxLogin)} / ${formatCount(seed.counts.serverLogin)}`,
        `${formatCount(ours.counts.wxLogin)} / ${formatCount(ours.counts.serverLogin)}`,
        formatMs(seed.totalMs),
        formatMs(ours.totalMs),
        formatRatio(ratio(ours.totalMs, seed.totalMs)),
        `${ours.succeeded}/${n}`,
      ])
    }
  }
  const limitedRows = result.limited.map((burst) => [
    burst.variant === 'seed' ? 'seed flow' : 'ours',
    formatCount(burst.concurrency),
    `${formatCount(burst.counts.wxLogin)} / ${formatCount(burst.counts.serverLogin)}`,
    `${burst.succeeded}/${burst.concurrency}`,
    formatMs(burst.totalMs),
    formatMs(burst.idealMs),
    formatRatio(ratio(burst.totalMs, burst.idealMs)),
    formatCount(burst.peakRequestsInFlight),
  ])
  const limits = result.limited[0]?.limits
  const verdict =
    result.violations.length === 0
      ? `   single flight held: in every run, every burst of ours made exactly 1 wx.login and 1 server login`
      : ['   SINGLE FLIGHT BROKEN:', ...result.violations.map((violation) => `   - ${violation}`)].join('\n')
  return [
    `2. Concurrency: N callers at once, median of ${result.repeats} runs; ${describeLatency(result.latency)}`,
    '',
    renderTable(
      [
        'burst',
        'N',
        'seed wx.login / srv login',
        'ours wx.login / srv login',
        'seed: all settled',
        'ours: all settled',
        'ours/seed',
        'ours served',
      ],
      rows,
    ),
    '',
    ...(limits
      ? [
          `   ... the largest 401 burst again under WeChat's limits: ${limits.requestSlots} wx.request slots, code2Session ${limits.code2SessionPerMinute} calls per user per minute (ideal: every slot busy throughout)`,
          '',
          renderTable(
            ['variant', 'N', 'wx.login / srv login', 'served', 'all settled', 'ideal for the slots', 'of ideal', 'peak in flight'],
            limitedRows,
          ),
          '',
        ]
      : []),
    verdict,
  ].join('\n')
}

export function formatOverhead(result: OverheadResult): string {
  const micros = (perSecond: number) => (perSecond > 0 ? `${(1e6 / perSecond).toFixed(1)} µs` : 'n/a')
  const flowRows = result.flows.map((flow) => [
    FLOW_LABELS[flow.kind],
    formatCount(flow.seed.perSecond),
    formatCount(flow.ours.perSecond),
    micros(flow.seed.perSecond),
    micros(flow.ours.perSecond),
    formatRatio(flow.costRatio),
  ])
  const lines = [
    '3. Orchestration overhead: flows per second with instant services (pure CPU), seed and ours in alternating slices',
    '',
    renderTable(['flow', 'seed flows/s', 'ours flows/s', 'seed CPU/flow', 'ours CPU/flow', 'ours/seed CPU'], flowRows),
    '',
  ]
  if (result.memory) {
    const { seed, ours } = result.memory
    lines.push(
      renderTable(
        ['live, logged-in clients', 'heap per 1,000', 'per client', 'ours/seed'],
        [
          ['seed flow', formatBytes(seed.bytesPer1000), formatBytes(seed.bytesPerClient), ''],
          [
            'ours',
            formatBytes(ours.bytesPer1000),
            formatBytes(ours.bytesPerClient),
            formatRatio(ratio(ours.bytesPerClient, seed.bytesPerClient)),
          ],
        ],
      ),
    )
  } else {
    lines.push('   memory: not measured (node ran without --expose-gc)')
  }
  return lines.join('\n')
}

const TARGET_LABELS: Record<HttpRun['target'], string> = {
  hello: 'Fastify hello-world (ceiling)',
  sqlite: 'developer server, SQLite store',
  redis: 'developer server, Redis store',
  'login-ceiling-sqlite': 'code2Session + one SQLite write (ceiling)',
  'login-ceiling-redis': 'code2Session + one Redis write (ceiling)',
}

/** Which ceiling a route's ratio is taken against, as the summary names it. */
function ceilingName(run: HttpRun): string {
  if (run.route === 'session') return 'hello-world'
  return run.target === 'redis' ? 'code2Session + Redis write' : 'code2Session + SQLite write'
}

function isCeiling(target: HttpRun['target']): boolean {
  return target === 'hello' || target.startsWith('login-ceiling-')
}

export function formatHttp(result: HttpThroughputResult): string {
  const rows = result.runs.map((run) => [
    `POST /auth/${run.route}`,
    TARGET_LABELS[run.target],
    formatCount(run.perSecond),
    formatPercent(run.ofCeiling),
    formatMs(run.p50Ms),
    formatMs(run.p99Ms),
    formatCount(run.ok),
    run.non2xx + run.errors === 0 ? '0' : `${run.non2xx} non-2xx, ${run.errors} errors`,
  ])
  const where =
    result.mode === 'child-process'
      ? 'servers in a child process; autocannon and the WeChat emulator in this one'
      : 'servers, emulator and autocannon in one process'
  return [
    `4. Developer server throughput: autocannon, ${result.connections} connections, ${where}`,
    '',
    renderTable(['route', 'target', 'req/s', 'of ceiling', 'p50', 'p99', 'requests', 'failed'], rows),
    ...result.notes.map((note) => `   note: ${note}`),
    ...(result.problems.length > 0 ? ['   INVALID RUNS:', ...result.problems.map((problem) => `   - ${problem}`)] : []),
  ].join('\n')
}

export function formatBundle(result: BundleSizeResult): string {
  const source =
    result.source === 'miniprogram-build'
      ? 'miniprogram_dist/index.js, as npm run build wrote it'
      : `esbuild of src/index.ts (cjs, es2017, minified), because ${result.fallbackReason ?? 'the build was not available'}`
  const budget = result.index.budgetBytes === undefined ? '' : ` (budget ${formatBytes(result.index.budgetBytes)})`
  return [
    `5. Bundle size of the mini-program build: ${source}`,
    '',
    renderTable(
      ['bundle', 'minified', 'gzip'],
      [
        ['miniprogram_dist/index.js (ours)', formatBytes(result.index.minifiedBytes), `${formatBytes(result.index.gzipBytes)}${budget}`],
        ['seed flow, same settings', formatBytes(result.seed.minifiedBytes), formatBytes(result.seed.gzipBytes)],
        ['ours/seed', '', formatRatio(result.gzipOverSeed)],
      ],
    ),
    '',
    renderTable(
      ['where the minified bytes come from', 'bytes', 'share'],
      result.parts.map((part) => [part.part, formatBytes(part.bytes), formatPercent(part.share)]),
    ),
  ].join('\n')
}

/** The ratios worth a glance, from whichever sections ran. */
export function ratioLines(results: {
  launch?: LaunchResult
  concurrency?: ConcurrencyResult
  overhead?: OverheadResult
  http?: HttpThroughputResult
  bundle?: BundleSizeResult
}): RatioLine[] {
  const lines: RatioLine[] = []
  const { launch, concurrency, overhead, http, bundle } = results
  if (launch) {
    for (const launchCase of LAUNCH_CASES) {
      const seed = summaryOf(launch, launchCase, 'seed')
      const ours = summaryOf(launch, launchCase, 'ours')
      const window = summaryOf(launch, launchCase, 'oursWindow')
      if (!seed || !ours || !window) continue
      lines.push({
        what: `launch to session, ${LAUNCH_CASE_LABELS[launchCase]}: ours/seed (window/seed)`,
        value: `${formatRatio(ratio(ours.medianMs, seed.medianMs))} (${formatRatio(ratio(window.medianMs, seed.medianMs))})`,
      })
    }
  }
  if (concurrency) {
    const largest = Math.max(...concurrency.bursts.map((burst) => burst.concurrency))
    for (const kind of ['ensureLogin', 'request401'] as const) {
      const seed = burstFor(concurrency, kind, 'seed', largest)
      const ours = burstFor(concurrency, kind, 'ours', largest)
      if (!seed || !ours) continue
      lines.push({
        what: `${BURST_LABELS[kind]} x${largest}: wx.login calls seed:ours`,
        value: `${seed.counts.wxLogin}:${ours.counts.wxLogin}`,
      })
    }
    const seedLimited = concurrency.limited.find((burst) => burst.variant === 'seed')
    const oursLimited = concurrency.limited.find((burst) => burst.variant === 'ours')
    if (seedLimited && oursLimited) {
      lines.push({
        what: `401 burst x${oursLimited.concurrency} under WeChat's limits: served seed:ours`,
        value: `${seedLimited.succeeded}:${oursLimited.succeeded}`,
      })
      lines.push({
        what: `401 burst x${oursLimited.concurrency} under WeChat's limits: ours, of the ideal for ${oursLimited.limits.requestSlots} slots`,
        value: formatRatio(ratio(oursLimited.totalMs, oursLimited.idealMs)),
      })
    }
  }
  if (overhead) {
    for (const flow of overhead.flows)
      lines.push({ what: `${FLOW_LABELS[flow.kind]}: CPU per flow, ours/seed`, value: formatRatio(flow.costRatio) })
    if (overhead.memory) {
      lines.push({
        what: 'heap per live client: ours/seed',
        value: formatRatio(ratio(overhead.memory.ours.bytesPerClient, overhead.memory.seed.bytesPerClient)),
      })
    }
  }
  if (http) {
    for (const run of http.runs) {
      if (isCeiling(run.target)) continue
      lines.push({
        what: `POST /auth/${run.route}, ${TARGET_LABELS[run.target]}: of the ${ceilingName(run)} ceiling`,
        value: formatPercent(run.ofCeiling),
      })
    }
  }
  if (bundle) lines.push({ what: 'bundle gzip: ours/seed', value: formatRatio(bundle.gzipOverSeed) })
  return lines
}

export function formatRatios(lines: readonly RatioLine[]): string {
  return [
    'Summary: ratios measured side by side in this run',
    '',
    renderTable(
      ['ratio', 'value'],
      lines.map((line) => [line.what, line.value]),
    ),
  ].join('\n')
}
