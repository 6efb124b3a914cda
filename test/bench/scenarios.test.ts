/**
 * Each client scenario run once with tiny sizes and no latency: the counts
 * they report must be right (timings are the bench's business, not a test's).
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  LAUNCH_CASES,
  LAUNCH_VARIANTS,
  NO_LATENCY,
  compareFlowRates,
  measureClientMemory,
  measureFlowRate,
  runConcurrencyBench,
  runEnsureLoginBurst,
  runLaunchBench,
  runLaunchOnce,
  runUnauthorizedBurst,
  singleFlightViolations,
  summarizeLaunch,
  type BurstResult,
  type LaunchCase,
  type LaunchSample,
  type ServiceCounts,
  type Variant,
} from '../../bench/index.ts'

const WINDOW_MS = 60_000

afterEach(() => {
  vi.unstubAllGlobals()
})

type Steps = Pick<ServiceCounts, 'checkSession' | 'serverCheck' | 'wxLogin' | 'serverLogin'>

const FULL_CHECK_THEN_LOGIN: Steps = { checkSession: 1, serverCheck: 1, wxLogin: 1, serverLogin: 1 }
const LOGIN_ONLY: Steps = { checkSession: 0, serverCheck: 0, wxLogin: 1, serverLogin: 1 }
const WECHAT_EXPIRED: Steps = { checkSession: 1, serverCheck: 0, wxLogin: 1, serverLogin: 1 }

/** What each variant must do at launch in each case. */
const EXPECTED: Record<LaunchCase, Record<Variant, Steps>> = {
  cold: { seed: LOGIN_ONLY, ours: LOGIN_ONLY, oursWindow: LOGIN_ONLY },
  warm: {
    seed: { checkSession: 1, serverCheck: 1, wxLogin: 0, serverLogin: 0 },
    ours: { checkSession: 1, serverCheck: 1, wxLogin: 0, serverLogin: 0 },
    oursWindow: { checkSession: 1, serverCheck: 0, wxLogin: 0, serverLogin: 0 },
  },
  // Ours asks the server beside wx.checkSession (so a warm launch waits for the slower, not both); when
  // WeChat says expired that answer is not used. Inside the window the check is not needed at all.
  wechatExpired: { seed: WECHAT_EXPIRED, ours: FULL_CHECK_THEN_LOGIN, oursWindow: WECHAT_EXPIRED },
  serverExpired: {
    seed: FULL_CHECK_THEN_LOGIN,
    ours: FULL_CHECK_THEN_LOGIN,
    // Inside the window the revoked session is not noticed at launch; the first request's 401 catches it.
    oursWindow: { checkSession: 1, serverCheck: 0, wxLogin: 0, serverLogin: 0 },
  },
  // Ours knows from expiresAt that the session is over and goes straight to wx.login; the seed checks both sides first.
  pastExpiresAt: { seed: FULL_CHECK_THEN_LOGIN, ours: LOGIN_ONLY, oursWindow: LOGIN_ONLY },
}

function steps(counts: ServiceCounts): Steps {
  return { checkSession: counts.checkSession, serverCheck: counts.serverCheck, wxLogin: counts.wxLogin, serverLogin: counts.serverLogin }
}

describe('launch scenarios', () => {
  for (const launchCase of LAUNCH_CASES) {
    for (const variant of LAUNCH_VARIANTS) {
      it(`${launchCase}, ${variant}: makes the expected calls and ends with a working session`, async () => {
        const sample = await runLaunchOnce(variant, launchCase, { latency: NO_LATENCY, serverCheckWindowMs: WINDOW_MS })
        expect(steps(sample.counts)).toEqual(EXPECTED[launchCase][variant])
        expect(sample.roundTrips).toBe(Object.values(EXPECTED[launchCase][variant]).reduce((a, b) => a + b, 0))
        expect(sample.simulatedMs).toBe(0)
        expect(sample.ms).toBeGreaterThanOrEqual(0)
        const stale = launchCase === 'serverExpired' && variant === 'oursWindow'
        expect(sample.serverValid).toBe(!stale)
        // One API request after the launch; a stale session pays a 401, a fresh login and a replay.
        expect(sample.firstAnswerRoundTrips).toBe(sample.roundTrips + (stale ? 4 : 1))
      })
    }
  }

  it('the window variant needs its window', async () => {
    await expect(runLaunchOnce('oursWindow', 'warm', { latency: NO_LATENCY })).rejects.toThrow(/serverCheckWindowMs/)
  })

  it('summarises samples: median, round trips, overhead over the simulated latency', () => {
    const counts = { wxLogin: 1, checkSession: 0, serverCheck: 0, serverLogin: 1, code2Session: 1, apiRequest: 0, serverLogout: 0 }
    const sample = (ms: number, roundTrips = 2): LaunchSample => ({
      variant: 'ours',
      launchCase: 'cold',
      ms,
      counts,
      roundTrips,
      simulatedMs: 260,
      serverValid: true,
      firstAnswerMs: ms + 60,
      firstAnswerRoundTrips: roundTrips + 1,
    })
    const summary = summarizeLaunch([sample(270), sample(262), sample(300)])
    expect(summary).toMatchObject({
      iterations: 3,
      medianMs: 270,
      minMs: 262,
      maxMs: 300,
      roundTrips: 2,
      overheadMs: 10,
      firstAnswerMedianMs: 330,
    })
    expect(summarizeLaunch([sample(270), sample(270, 3)]).roundTrips).toBeNaN()
    expect(() => summarizeLaunch([])).toThrow(RangeError)
  })

  it('runs every case for every variant', async () => {
    const result = await runLaunchBench({ latency: NO_LATENCY, iterations: 2, serverCheckWindowMs: WINDOW_MS })
    expect(result.summaries).toHaveLength(LAUNCH_CASES.length * LAUNCH_VARIANTS.length)
    for (const summary of result.summaries) {
      expect(summary.iterations).toBe(2)
      expect(steps(summary.counts)).toEqual(EXPECTED[summary.launchCase][summary.variant])
    }
  })
})

describe('concurrency scenarios', () => {
  it('concurrent ensureLogin: ours logs in once for all, the seed once per caller', async () => {
    const ours = await runEnsureLoginBurst('ours', 7, NO_LATENCY)
    expect(ours).toMatchObject({ succeeded: 7, failed: 0, distinctTokens: 1, counts: { wxLogin: 1, serverLogin: 1 } })
    const seed = await runEnsureLoginBurst('seed', 7, NO_LATENCY)
    expect(seed).toMatchObject({ succeeded: 7, failed: 0, distinctTokens: 7, counts: { wxLogin: 7, serverLogin: 7 } })
  })

  it('concurrent 401s: ours re-logs in once and replays each request; the seed re-logs in per request', async () => {
    const ours = await runUnauthorizedBurst('ours', 6, NO_LATENCY)
    expect(ours).toMatchObject({ succeeded: 6, failed: 0, counts: { wxLogin: 1, serverLogin: 1, apiRequest: 12 } })
    const seed = await runUnauthorizedBurst('seed', 6, NO_LATENCY)
    expect(seed).toMatchObject({ succeeded: 6, failed: 0, counts: { wxLogin: 6, serverLogin: 6, apiRequest: 12 } })
  })

  it('the whole section: single flight holds in every run, and the median run is kept', async () => {
    const result = await runConcurrencyBench({ sizes: [1, 5], latency: NO_LATENCY, repeats: 2 })
    expect(result.violations).toEqual([])
    expect(result.repeats).toBe(2)
    expect(result.bursts).toHaveLength(2 * 2 * 2)
    for (const burst of result.bursts) {
      expect(burst.succeeded).toBe(burst.concurrency)
      expect(burst.counts.wxLogin).toBe(burst.variant === 'ours' ? 1 : burst.concurrency)
    }
  })

  it('flags a burst of ours that logged in more than once or lost a caller', () => {
    const burst: BurstResult = {
      kind: 'ensureLogin',
      variant: 'ours',
      concurrency: 10,
      totalMs: 1,
      medianMs: 1,
      counts: { wxLogin: 2, checkSession: 0, serverCheck: 0, serverLogin: 2, code2Session: 2, apiRequest: 0, serverLogout: 0 },
      succeeded: 9,
      failed: 1,
      distinctTokens: 2,
    }
    expect(singleFlightViolations(burst)).toHaveLength(4)
    expect(singleFlightViolations({ ...burst, variant: 'seed' })).toEqual([])
  })
})

describe('orchestration overhead', () => {
  it('counts cold, warm and refresh flows by the calls each one makes', async () => {
    const cold = await measureFlowRate({ variant: 'ours', kind: 'cold', durationMs: 5 })
    expect(cold.flows).toBeGreaterThan(0)
    expect(cold.counts).toMatchObject({ wxLogin: cold.flows, serverLogin: cold.flows, checkSession: 0 })
    for (const kind of ['warm', 'refresh'] as const) {
      for (const variant of ['seed', 'ours'] as const) {
        const rate = await measureFlowRate({ variant, kind, durationMs: 5 })
        expect(rate.counts).toMatchObject({ checkSession: rate.flows, serverCheck: rate.flows, wxLogin: 0, serverLogin: 0 })
        expect(rate.perSecond).toBeGreaterThan(0)
      }
    }
  })

  it('compares the variants over alternating slices', async () => {
    const comparison = await compareFlowRates({ kind: 'cold', sliceMs: 2, rounds: 2 })
    expect(comparison.seed.counts.wxLogin).toBe(comparison.seed.flows)
    expect(comparison.ours.counts.serverLogin).toBe(comparison.ours.flows)
    expect(comparison.oursOverSeed).toBeCloseTo(comparison.ours.perSecond / comparison.seed.perSecond)
    expect(comparison.costRatio).toBeCloseTo(comparison.seed.perSecond / comparison.ours.perSecond)
  })

  it('measures memory only when global.gc exists', async () => {
    vi.stubGlobal('gc', undefined)
    await expect(measureClientMemory({ variant: 'ours', clients: 3 })).resolves.toBeNull()
  })

  it('with global.gc, reports the heap delta per client and per 1,000', async () => {
    let collections = 0
    vi.stubGlobal('gc', () => {
      collections++
    })
    const memory = await measureClientMemory({ variant: 'ours', clients: 5 })
    expect(collections).toBeGreaterThanOrEqual(4)
    expect(memory).toMatchObject({ variant: 'ours', clients: 5 })
    expect(memory?.bytesPerClient).toBeCloseTo((memory?.heapDeltaBytes ?? Number.NaN) / 5)
    expect(memory?.bytesPer1000).toBeCloseTo((memory?.bytesPerClient ?? Number.NaN) * 1000)
  })
})
