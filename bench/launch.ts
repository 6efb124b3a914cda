/**
 * Section 1: time from app launch to an authenticated session, and to the
 * first successful API answer, under simulated latency, for our client (with
 * and without `serverCheckWindowMs`) and the seed's flow side by side.
 */
import { performance } from 'node:perf_hooks'
import { isSessionShape } from '../src/contract/index.ts'
import type { SimulatedLatency } from './config.ts'
import { createLauncher, type Variant } from './launchers.ts'
import {
  API_URL,
  createSimulatedServices,
  roundTripsOf,
  sequentialLatencyOf,
  type ServiceCounts,
  type SimulatedServices,
} from './simulated-services.ts'
import { median, percentile } from './stats.ts'

export const LAUNCH_CASES = ['cold', 'warm', 'wechatExpired', 'serverExpired', 'pastExpiresAt'] as const
export type LaunchCase = (typeof LAUNCH_CASES)[number]

export const LAUNCH_CASE_LABELS: Record<LaunchCase, string> = {
  cold: 'cold launch (nothing stored)',
  warm: 'warm launch, valid session',
  wechatExpired: 'WeChat-side expiry',
  serverExpired: 'server-side expiry',
  pastExpiresAt: 'stored session past expiresAt',
}

export interface LaunchSample {
  variant: Variant
  launchCase: LaunchCase
  /** From launch to a session (`ensureLogin()` / the seed's `login()` resolved). */
  ms: number
  /** The calls up to that point. */
  counts: ServiceCounts
  roundTrips: number
  /** What the simulated services alone account for (their latencies, one after another). */
  simulatedMs: number
  /** Whether the developer server accepts the session the launch ended with. */
  serverValid: boolean
  /** From launch to the first API request answered 200 (a 401 on the way is replayed after a fresh login). */
  firstAnswerMs: number
  /** Round trips up to that answer. */
  firstAnswerRoundTrips: number
}

export interface LaunchOptions {
  latency: SimulatedLatency
  /** For the `oursWindow` variant. */
  serverCheckWindowMs?: number
}

/**
 * Puts the device and the services in the state the case starts from. Every
 * case but a cold launch starts after a previous launch of the same variant
 * that logged in (run without latency), so the stored session is in that
 * variant's own format.
 */
async function prepare(services: SimulatedServices, variant: Variant, launchCase: LaunchCase, options: LaunchOptions): Promise<void> {
  if (launchCase === 'cold') return
  const previous = createLauncher(variant, services, options)
  try {
    await previous.login()
  } finally {
    previous.dispose()
  }
  switch (launchCase) {
    case 'warm':
      return
    case 'wechatExpired':
      services.expireWechatSession()
      return
    case 'serverExpired':
      // Revoked on the server (logged out elsewhere, store wiped) while the stored expiresAt still lies ahead.
      services.revokeServerSessions()
      return
    case 'pastExpiresAt': {
      const past = Date.now() - 60_000
      for (const [key, value] of services.storage) {
        if (isSessionShape(value)) services.storage.set(key, { ...value, expiresAt: past })
      }
      services.revokeServerSessions()
      return
    }
  }
}

/** One launch of one variant in one case, with fresh services. */
export async function runLaunchOnce(variant: Variant, launchCase: LaunchCase, options: LaunchOptions): Promise<LaunchSample> {
  const services = createSimulatedServices()
  await prepare(services, variant, launchCase, options)
  services.setLatency(options.latency)
  services.resetCounts()

  const started = performance.now()
  const launcher = createLauncher(variant, services, options)
  try {
    const session = await launcher.login()
    const ms = performance.now() - started
    const counts = { ...services.counts }
    const serverValid = services.isServerSessionValid(session.token)
    const answer = await launcher.request({ url: API_URL, method: 'GET' })
    const firstAnswerMs = performance.now() - started
    if (answer.statusCode !== 200) throw new Error(`${variant}, ${launchCase}: the first API request answered ${answer.statusCode}`)
    return {
      variant,
      launchCase,
      ms,
      counts,
      roundTrips: roundTripsOf(counts),
      simulatedMs: sequentialLatencyOf(counts, options.latency),
      serverValid,
      firstAnswerMs,
      firstAnswerRoundTrips: roundTripsOf(services.counts),
    }
  } finally {
    launcher.dispose()
  }
}

export interface LaunchSummary {
  variant: Variant
  launchCase: LaunchCase
  iterations: number
  medianMs: number
  p90Ms: number
  minMs: number
  maxMs: number
  /** The same in every iteration (the flows are deterministic); `NaN` if they differed. */
  roundTrips: number
  counts: ServiceCounts
  simulatedMs: number
  /** Median time beyond what the simulated services account for: the flow's own cost plus timer slack. */
  overheadMs: number
  /** In every iteration, the session was one the server accepts. */
  serverValid: boolean
  firstAnswerMedianMs: number
  firstAnswerRoundTrips: number
}

export interface LaunchResult {
  latency: SimulatedLatency
  serverCheckWindowMs: number
  summaries: LaunchSummary[]
}

export function summarizeLaunch(samples: readonly LaunchSample[]): LaunchSummary {
  const first = samples[0]
  if (!first) throw new RangeError('summarizeLaunch: no samples')
  const times = samples.map((sample) => sample.ms)
  const same = (pick: (sample: LaunchSample) => number) => samples.every((sample) => pick(sample) === pick(first))
  const medianMs = median(times)
  return {
    variant: first.variant,
    launchCase: first.launchCase,
    iterations: samples.length,
    medianMs,
    p90Ms: percentile(times, 90),
    minMs: Math.min(...times),
    maxMs: Math.max(...times),
    roundTrips: same((sample) => sample.roundTrips) ? first.roundTrips : Number.NaN,
    counts: first.counts,
    simulatedMs: first.simulatedMs,
    overheadMs: medianMs - first.simulatedMs,
    serverValid: samples.every((sample) => sample.serverValid),
    firstAnswerMedianMs: median(samples.map((sample) => sample.firstAnswerMs)),
    firstAnswerRoundTrips: same((sample) => sample.firstAnswerRoundTrips) ? first.firstAnswerRoundTrips : Number.NaN,
  }
}

export const LAUNCH_VARIANTS: readonly Variant[] = ['seed', 'ours', 'oursWindow']

/** Every case, `iterations` launches per variant; the variants of one iteration run side by side. */
export async function runLaunchBench(options: {
  latency: SimulatedLatency
  iterations: number
  serverCheckWindowMs: number
}): Promise<LaunchResult> {
  const summaries: LaunchSummary[] = []
  for (const launchCase of LAUNCH_CASES) {
    const byVariant = new Map<Variant, LaunchSample[]>(LAUNCH_VARIANTS.map((variant) => [variant, []]))
    for (let i = 0; i < options.iterations; i++) {
      const samples = await Promise.all(LAUNCH_VARIANTS.map((variant) => runLaunchOnce(variant, launchCase, options)))
      for (const sample of samples) byVariant.get(sample.variant)?.push(sample)
    }
    for (const samples of byVariant.values()) summaries.push(summarizeLaunch(samples))
  }
  return { latency: options.latency, serverCheckWindowMs: options.serverCheckWindowMs, summaries }
}
