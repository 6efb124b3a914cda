/**
 * Section 3: what the orchestration itself costs. With instant services (no
 * latency, no timers) a flow is pure CPU. Flows per second, ours against the
 * seed's flow, in alternating slices so both see the same machine:
 * - cold launch: create the client, log in (wx.login + server login), stop;
 * - warm launch: create the client, find the stored session, check it, stop;
 * - refresh: re-check the session of one live client (no construction), so
 *   warm launch minus refresh is what creating a client costs.
 * Then the heap each live client holds.
 */
import { performance } from 'node:perf_hooks'
import { createLauncher, type Launcher } from './launchers.ts'
import { createSimulatedServices, emptyCounts, type ServiceCounts, type SimulatedServices } from './simulated-services.ts'
import { ratio } from './stats.ts'

export type FlowKind = 'cold' | 'warm' | 'refresh'
export type OverheadVariant = 'seed' | 'ours'

export const FLOW_LABELS: Record<FlowKind, string> = {
  cold: 'cold launch flow (wx.login + server login)',
  warm: 'warm launch flow (checkSession + server check)',
  refresh: 'refresh of a live client (checkSession + server check)',
}

export interface FlowRate {
  variant: OverheadVariant
  kind: FlowKind
  flows: number
  elapsedMs: number
  perSecond: number
  counts: ServiceCounts
}

function addCounts(into: ServiceCounts, from: Readonly<ServiceCounts>): void {
  for (const key of Object.keys(into) as (keyof ServiceCounts)[]) into[key] += from[key]
}

/** One full launch: create, log in, stop. */
async function launchOnce(variant: OverheadVariant, services: SimulatedServices): Promise<void> {
  const launcher: Launcher = createLauncher(variant, services)
  try {
    await launcher.login()
  } finally {
    launcher.dispose()
  }
}

/**
 * Runs flows back to back for `durationMs` (at least one) and counts them.
 * Cold: storage is emptied before each launch. Warm: one login first (not
 * counted), then every launch finds a valid stored session. Refresh: one
 * client logs in (not counted), then refreshes over and over.
 */
export async function measureFlowRate(options: { variant: OverheadVariant; kind: FlowKind; durationMs: number }): Promise<FlowRate> {
  const { variant, kind, durationMs } = options
  const services = createSimulatedServices()
  const live = kind === 'refresh' ? createLauncher(variant, services) : undefined
  try {
    if (live) await live.login()
    else if (kind === 'warm') await launchOnce(variant, services)
    services.resetCounts()
    let flows = 0
    const started = performance.now()
    let elapsed = 0
    do {
      if (live) await live.refresh()
      else {
        if (kind === 'cold') services.storage.clear()
        await launchOnce(variant, services)
      }
      flows++
      elapsed = performance.now() - started
    } while (elapsed < durationMs)
    return { variant, kind, flows, elapsedMs: elapsed, perSecond: (flows * 1000) / elapsed, counts: { ...services.counts } }
  } finally {
    live?.dispose()
  }
}

export interface FlowComparison {
  kind: FlowKind
  seed: FlowRate
  ours: FlowRate
  /** How many times the seed's rate ours reaches (below 1: ours is slower). */
  oursOverSeed: number
  /** CPU per flow, ours over the seed's (the inverse of `oursOverSeed`). */
  costRatio: number
  /** CPU time per flow beyond the seed's, in µs. */
  extraMicrosPerFlow: number
}

/** Alternating slices (seed, ours, seed, ours, …) so drift in the machine's speed hits both. */
export async function compareFlowRates(options: { kind: FlowKind; sliceMs: number; rounds: number }): Promise<FlowComparison> {
  const totals = {
    seed: { flows: 0, elapsedMs: 0, counts: emptyCounts() },
    ours: { flows: 0, elapsedMs: 0, counts: emptyCounts() },
  }
  for (let round = 0; round < options.rounds; round++) {
    for (const variant of ['seed', 'ours'] as const) {
      const slice = await measureFlowRate({ variant, kind: options.kind, durationMs: options.sliceMs })
      totals[variant].flows += slice.flows
      totals[variant].elapsedMs += slice.elapsedMs
      addCounts(totals[variant].counts, slice.counts)
    }
  }
  const rateOf = (variant: OverheadVariant): FlowRate => ({
    variant,
    kind: options.kind,
    ...totals[variant],
    perSecond: (totals[variant].flows * 1000) / totals[variant].elapsedMs,
  })
  const seed = rateOf('seed')
  const ours = rateOf('ours')
  return {
    kind: options.kind,
    seed,
    ours,
    oursOverSeed: ratio(ours.perSecond, seed.perSecond),
    costRatio: ratio(seed.perSecond, ours.perSecond),
    extraMicrosPerFlow: 1e6 / ours.perSecond - 1e6 / seed.perSecond,
  }
}

export interface MemoryMeasurement {
  variant: OverheadVariant
  clients: number
  heapDeltaBytes: number
  bytesPerClient: number
  /** Heap delta scaled to 1,000 clients. */
  bytesPer1000: number
}

type CollectGarbage = () => void

function collectGarbage(): CollectGarbage | undefined {
  const gc = (globalThis as { gc?: unknown }).gc
  return typeof gc === 'function' ? (gc as CollectGarbage) : undefined
}

function settledHeap(gc: CollectGarbage): number {
  gc()
  gc()
  return process.memoryUsage().heapUsed
}

/**
 * Heap held by `clients` live, logged-in launchers (each kept referenced
 * until after the measurement). All share one set of instant services with a
 * valid stored session, so no new server sessions inflate the figure.
 * `null` without `global.gc` (run node with `--expose-gc`).
 */
export async function measureClientMemory(options: { variant: OverheadVariant; clients: number }): Promise<MemoryMeasurement | null> {
  const gc = collectGarbage()
  if (!gc) return null
  const services = createSimulatedServices()
  await launchOnce(options.variant, services)
  const before = settledHeap(gc)
  const launchers: Launcher[] = []
  for (let i = 0; i < options.clients; i++) launchers.push(createLauncher(options.variant, services))
  await Promise.all(launchers.map((launcher) => launcher.login()))
  const after = settledHeap(gc)
  for (const launcher of launchers) launcher.dispose()
  const heapDeltaBytes = after - before
  const bytesPerClient = heapDeltaBytes / options.clients
  return { variant: options.variant, clients: options.clients, heapDeltaBytes, bytesPerClient, bytesPer1000: bytesPerClient * 1000 }
}

export interface OverheadResult {
  flows: FlowComparison[]
  /** `null` when node ran without `--expose-gc`. */
  memory: { seed: MemoryMeasurement; ours: MemoryMeasurement } | null
}

export async function runOverheadBench(options: { sliceMs: number; rounds: number; memoryClients: number }): Promise<OverheadResult> {
  const flows: FlowComparison[] = []
  for (const kind of ['cold', 'warm', 'refresh'] as const)
    flows.push(await compareFlowRates({ kind, sliceMs: options.sliceMs, rounds: options.rounds }))
  const seed = await measureClientMemory({ variant: 'seed', clients: options.memoryClients })
  const ours = await measureClientMemory({ variant: 'ours', clients: options.memoryClients })
  return { flows, memory: seed && ours ? { seed, ours } : null }
}
