/**
 * Section 2: many callers at once. N concurrent `ensureLogin()` calls at a
 * cold launch, and N concurrent API requests that all get a 401 because the
 * server dropped the session. Our client must run exactly one `wx.login` and
 * one server login for each burst; the seed's flow runs one per caller.
 */
import { performance } from 'node:perf_hooks'
import type { PlatformResponse, Session } from '../src/index.ts'
import type { SimulatedLatency } from './config.ts'
import { createLauncher, type Variant } from './launchers.ts'
import { API_URL, createSimulatedServices, WECHAT_LIMITS, type ServiceCounts, type WechatLimits } from './simulated-services.ts'
import { median } from './stats.ts'

export type BurstKind = 'ensureLogin' | 'request401'

/** The simulated world has no request limit here, and our client is told so. */
const UNLIMITED = { maxConcurrentRequests: Number.POSITIVE_INFINITY }

export const BURST_LABELS: Record<BurstKind, string> = {
  ensureLogin: 'concurrent ensureLogin (cold)',
  request401: 'concurrent requests, all 401',
}

export interface BurstResult {
  kind: BurstKind
  variant: Exclude<Variant, 'oursWindow'>
  concurrency: number
  /** From the first call to the last settled one. */
  totalMs: number
  /** Median time a caller waited. */
  medianMs: number
  counts: ServiceCounts
  /** Callers that got what they asked for (a session; a 200). */
  succeeded: number
  failed: number
  /** Distinct session tokens the callers ended with (login bursts only). */
  distinctTokens: number | null
}

async function timed<T>(
  calls: number,
  start: () => Promise<T>,
): Promise<{ results: PromiseSettledResult<T>[]; totalMs: number; medianMs: number }> {
  const began = performance.now()
  const waits: number[] = []
  const results = await Promise.allSettled(
    Array.from({ length: calls }, () =>
      start().finally(() => {
        waits.push(performance.now() - began)
      }),
    ),
  )
  return { results, totalMs: performance.now() - began, medianMs: median(waits) }
}

/** N concurrent logins on a freshly launched app with nothing stored. */
export async function runEnsureLoginBurst(
  variant: BurstResult['variant'],
  concurrency: number,
  latency: SimulatedLatency,
): Promise<BurstResult> {
  const services = createSimulatedServices({ latency })
  const launcher = createLauncher(variant, services, UNLIMITED)
  try {
    const { results, totalMs, medianMs } = await timed<Session>(concurrency, () => launcher.login())
    const tokens = new Set(results.flatMap((result) => (result.status === 'fulfilled' ? [result.value.token] : [])))
    const succeeded = results.filter((result) => result.status === 'fulfilled').length
    return {
      kind: 'ensureLogin',
      variant,
      concurrency,
      totalMs,
      medianMs,
      counts: { ...services.counts },
      succeeded,
      failed: results.length - succeeded,
      distinctTokens: tokens.size,
    }
  } finally {
    launcher.dispose()
  }
}

/**
 * A logged-in app whose server session was revoked; then N concurrent API
 * requests. Each first attempt gets a 401; the client logs in again and
 * replays each request once.
 */
export async function runUnauthorizedBurst(
  variant: BurstResult['variant'],
  concurrency: number,
  latency: SimulatedLatency,
): Promise<BurstResult> {
  const services = createSimulatedServices()
  const launcher = createLauncher(variant, services, UNLIMITED)
  try {
    await launcher.login()
    services.revokeServerSessions()
    services.setLatency(latency)
    services.resetCounts()
    const { results, totalMs, medianMs } = await timed<PlatformResponse>(concurrency, () =>
      launcher.request({ url: API_URL, method: 'GET' }),
    )
    const succeeded = results.filter((result) => result.status === 'fulfilled' && result.value.statusCode === 200).length
    return {
      kind: 'request401',
      variant,
      concurrency,
      totalMs,
      medianMs,
      counts: { ...services.counts },
      succeeded,
      failed: results.length - succeeded,
      distinctTokens: null,
    }
  } finally {
    launcher.dispose()
  }
}

/** A 401 burst in a world with WeChat's limits: 10 wx.request slots, code2Session's 100 calls per user per minute. */
export interface LimitedBurstResult extends BurstResult {
  limits: WechatLimits
  /** The most wx.request calls in flight at once. */
  peakRequestsInFlight: number
  /**
   * The least time these requests can take through the slots: every slot busy
   * from the first request to the last (API requests and server logins, each
   * for its round trip), and nothing else.
   */
  idealMs: number
}

export interface ConcurrencyResult {
  latency: SimulatedLatency
  /** Runs per burst; `bursts` holds the run with the median `totalMs`. */
  repeats: number
  bursts: BurstResult[]
  /** The largest 401 burst again, once per variant, under WeChat's limits. */
  limited: LimitedBurstResult[]
  /** Why our client broke its promise of one login per burst, in any run; empty when it kept it. */
  violations: string[]
}

/** The ideal time of a burst through `slots` wx.request slots, from what it sent. */
export function idealThroughSlots(counts: ServiceCounts, latency: SimulatedLatency, slots: number): number {
  const slotMs =
    (counts.apiRequest + counts.serverCheck + counts.serverLogout) * latency.serverMs +
    counts.serverLogin * (latency.serverMs + latency.code2SessionMs)
  return slotMs / slots
}

/**
 * A logged-in app whose server session was revoked, then N concurrent API
 * requests, with WeChat's limits kept. The seed's N logins now cost slots and
 * code2Session quota; ours must still make one login and answer everyone.
 */
export async function runLimitedUnauthorizedBurst(
  variant: BurstResult['variant'],
  concurrency: number,
  latency: SimulatedLatency,
  limits: WechatLimits = WECHAT_LIMITS,
): Promise<LimitedBurstResult> {
  const services = createSimulatedServices({ limits })
  const launcher = createLauncher(variant, services)
  try {
    await launcher.login()
    services.revokeServerSessions()
    services.setLatency(latency)
    services.resetCounts()
    const { results, totalMs, medianMs } = await timed<PlatformResponse>(concurrency, () =>
      launcher.request({ url: API_URL, method: 'GET' }),
    )
    const succeeded = results.filter((result) => result.status === 'fulfilled' && result.value.statusCode === 200).length
    const counts = { ...services.counts }
    return {
      kind: 'request401',
      variant,
      concurrency,
      totalMs,
      medianMs,
      counts,
      succeeded,
      failed: results.length - succeeded,
      distinctTokens: null,
      limits,
      peakRequestsInFlight: services.peakRequestsInFlight,
      idealMs: idealThroughSlots(counts, latency, limits.requestSlots),
    }
  } finally {
    launcher.dispose()
  }
}

/** What must hold for our client: one `wx.login`, one server login, every caller served. */
export function singleFlightViolations(burst: BurstResult): string[] {
  if (burst.variant !== 'ours') return []
  const where = `${BURST_LABELS[burst.kind]} x${burst.concurrency}`
  const problems: string[] = []
  if (burst.counts.wxLogin !== 1) problems.push(`${where}: ${burst.counts.wxLogin} wx.login calls (expected 1)`)
  if (burst.counts.serverLogin !== 1) problems.push(`${where}: ${burst.counts.serverLogin} server logins (expected 1)`)
  if (burst.failed > 0) problems.push(`${where}: ${burst.failed} of ${burst.concurrency} callers failed`)
  if (burst.kind === 'ensureLogin' && burst.distinctTokens !== 1)
    problems.push(`${where}: callers got ${burst.distinctTokens} different sessions`)
  return problems
}

function medianRun(runs: readonly BurstResult[]): BurstResult {
  const sorted = [...runs].sort((a, b) => a.totalMs - b.totalMs)
  const middle = sorted[Math.floor((sorted.length - 1) / 2)]
  if (!middle) throw new RangeError('medianRun: no runs')
  return middle
}

export async function runConcurrencyBench(options: {
  sizes: readonly number[]
  latency: SimulatedLatency
  repeats?: number
}): Promise<ConcurrencyResult> {
  const repeats = options.repeats ?? 3
  const bursts: BurstResult[] = []
  const violations = new Set<string>()
  for (const kind of ['ensureLogin', 'request401'] as const) {
    const run = kind === 'ensureLogin' ? runEnsureLoginBurst : runUnauthorizedBurst
    for (const concurrency of options.sizes) {
      const byVariant = { seed: [] as BurstResult[], ours: [] as BurstResult[] }
      for (let i = 0; i < repeats; i++) {
        // One after the other, not side by side: 1,000 seed logins would slow our burst's timers down.
        for (const variant of ['seed', 'ours'] as const) {
          const burst = await run(variant, concurrency, options.latency)
          byVariant[variant].push(burst)
          for (const violation of singleFlightViolations(burst)) violations.add(violation)
        }
      }
      bursts.push(medianRun(byVariant.seed), medianRun(byVariant.ours))
    }
  }
  const largest = Math.max(...options.sizes)
  const limited: LimitedBurstResult[] = []
  for (const variant of ['seed', 'ours'] as const) {
    const burst = await runLimitedUnauthorizedBurst(variant, largest, options.latency)
    limited.push(burst)
    for (const violation of singleFlightViolations(burst)) violations.add(`under WeChat's limits: ${violation}`)
  }
  return { latency: options.latency, repeats, bursts, limited, violations: [...violations] }
}
