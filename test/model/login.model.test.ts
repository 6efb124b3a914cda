/**
 * Model-based tests: paths generated from the login machine by
 * `@xstate/graph`, each run against the real `createLoginClient` over
 * scripted services, asserting the client's state at every step.
 */
import { createTestModel } from '@xstate/graph'
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { type AnyMachineSnapshot, type EventObject, initialTransition, transition } from 'xstate'
import { loginMachine } from '../../machines/index.ts'
import { DEFAULT_STORAGE_KEY, createLoginClient } from '../../src/client/index.ts'
import type { LoginClient } from '../../src/client/index.ts'
import { isLoginError } from '../../src/contract/index.ts'
import { createFakeServices, type FakeServices, type HeldStep } from '../support/services/index.ts'
import { toEventDrivenMachine } from './event-driven-machine.ts'
import {
  EXPIRED_SESSION,
  FRESH_SESSION,
  LIVE_SESSION,
  MODEL_EVENTS,
  MODEL_INPUT,
  MODEL_NOW,
  MODEL_OPTIONS,
  type ModelEvent,
} from './model-events.ts'
import { allStateNodes, allTransitionKeys, createCoverage } from './transition-coverage.ts'

const testMachine = toEventDrivenMachine(loginMachine)

// The machine reads time only from its effects: generation runs on their frozen clock (the
// one the runs start from), so the same machine always yields the same paths.
const model = createTestModel(testMachine, { events: MODEL_EVENTS as never })
const traversal = { input: MODEL_INPUT } as never

// Every simple path through the statechart's states, and a shortest path to every
// (state, context, incoming transition), which reaches each guarded branch.
// Simple paths are found over state values alone (over values and context there are
// too many to enumerate); their steps' snapshots are then recomputed by replaying the
// events through the machine, so every expected context is the one the events produce.
// A path whose replay leaves the path's states (a guard decided otherwise with the real
// context) is not a path of the machine and is dropped.
const initialSnapshot = initialTransition(testMachine, MODEL_INPUT)[0]
// The mutation run (vitest.mutation.config.ts, MPL_MODEL_PATHS=cover) runs fewer paths: of the
// shortest paths, just enough to visit every state and transition (the coverage test below checks
// whichever set runs), so each mutant costs a fraction of the whole suite.
const onlyShortest = process.env['MPL_MODEL_PATHS'] === 'cover'
const valuePaths = onlyShortest
  ? []
  : model.getSimplePaths({
      ...(traversal as object),
      serializeState: (s: { value: unknown }) => JSON.stringify(s.value),
    } as never)
const simplePaths = valuePaths
  .map((path) => ({ path, steps: replay(path.steps.map((step) => step.event)) }))
  .filter(({ path, steps }) => steps.every((step, i) => JSON.stringify(step.state.value) === JSON.stringify(path.steps[i]?.state.value)))
  .map(({ path, steps }) => ({ ...path, steps }))
const shortestPaths = coveringSubset(model.getShortestPaths(traversal))
const paths = [...simplePaths.map((p) => ({ kind: 'simple', path: p })), ...shortestPaths.map((p) => ({ kind: 'shortest', path: p }))]

/** All paths, or (for the mutation run) a few that between them still visit every state and transition: greedily, the path that adds most first. */
function coveringSubset<T extends { steps: ReadonlyArray<{ event: EventObject; state: AnyMachineSnapshot }> }>(all: T[]): T[] {
  if (!onlyShortest) return all
  const visits = all.map((path) => {
    const seen = createCoverage(testMachine)
    seen.record(initialSnapshot, path.steps)
    return new Set([...seen.states].map((id) => `state ${id}`).concat([...seen.transitions]))
  })
  const covered = new Set<string>()
  const chosen: T[] = []
  for (;;) {
    let best = -1
    let gain = 0
    visits.forEach((keys, i) => {
      const added = [...keys].filter((key) => !covered.has(key)).length
      if (added > gain) [best, gain] = [i, added]
    })
    if (best < 0) return chosen
    chosen.push(all[best] as T)
    for (const key of visits[best] ?? []) covered.add(key)
  }
}

function replay(events: readonly EventObject[]): Array<{ event: EventObject; state: AnyMachineSnapshot }> {
  let snapshot: AnyMachineSnapshot = initialSnapshot
  return events.map((event) => {
    if (!event.type.startsWith('xstate.init')) [snapshot] = transition(testMachine, snapshot, event as never)
    return { event, state: snapshot }
  })
}

const coverage = createCoverage(testMachine)
for (const { path } of paths) coverage.record(initialSnapshot, path.steps)

/** The calls the machine waits for in each state: in `checkingWx` the server check runs beside `wx.checkSession`. */
/** The services the machine invokes as actors, each held until the model says how it ends. */
type ModelStep = Extract<HeldStep, 'readSession' | 'checkWxSession' | 'checkServerSession' | 'wxLogin' | 'serverLogin'>

const STEPS_OF_STATE: Record<string, readonly ModelStep[]> = {
  checkingStorage: ['readSession'],
  'checkingServer.running': ['checkServerSession'],
  checkingWx: ['checkWxSession', 'checkServerSession'],
  'wxLogin.running': ['wxLogin'],
  'serverLogin.running': ['serverLogin'],
}
const ALL_STEPS: readonly ModelStep[] = ['readSession', 'checkWxSession', 'checkServerSession', 'wxLogin', 'serverLogin']

/** What a service answers when it answers after the machine moved on. */
const LATE_ANSWERS: Record<ModelStep, unknown> = {
  readSession: LIVE_SESSION,
  checkWxSession: undefined,
  checkServerSession: true,
  wxLogin: { code: 'late-code' },
  serverLogin: { token: 'late-token', expiresAt: FRESH_SESSION.expiresAt },
}

function activeSteps(client: LoginClient): readonly ModelStep[] {
  const snapshot = client.getSnapshot()
  return Object.entries(STEPS_OF_STATE).find(([state]) => snapshot.matches(state as never))?.[1] ?? []
}

/** How many calls of a step must be in flight: one for each the machine waits for (none for a server check the window made unnecessary). */
function expectedPending(step: ModelStep, active: readonly ModelStep[], snapshot: AnyMachineSnapshot): number {
  if (!active.includes(step)) return 0
  if (step === 'checkServerSession' && snapshot.matches('checkingWx')) {
    const { confirmedAt, serverCheckWindowMs } = snapshot.context as { confirmedAt: number | null; serverCheckWindowMs: number }
    const fresh = confirmedAt !== null && Date.now() - confirmedAt >= 0 && Date.now() - confirmedAt < serverCheckWindowMs
    return fresh ? 0 : 1
  }
  return 1
}

async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await vi.advanceTimersByTimeAsync(0)
}

interface Tracked {
  settled: boolean
  outcome?: 'resolved' | 'rejected'
}

function track(promise: Promise<unknown>, into: Tracked[]): void {
  const entry: Tracked = { settled: false }
  into.push(entry)
  promise.then(
    () => Object.assign(entry, { settled: true, outcome: 'resolved' }),
    () => Object.assign(entry, { settled: true, outcome: 'rejected' }),
  )
}

/** How long the machine's delay of this event is now, by the machine's own definition of it. */
function delayOf(eventType: string, client: LoginClient): number {
  const name = eventType.split('.')[2] ?? ''
  const delay = (loginMachine.implementations.delays as Record<string, unknown>)[name]
  if (typeof delay !== 'function') throw new Error(`the machine has no delay '${name}'`)
  return (delay as (args: { context: unknown; event: unknown }) => number)({ context: client.getSnapshot().context, event: { type: '' } })
}

async function execute(event: ModelEvent, client: LoginClient, services: FakeServices, promises: Tracked[]): Promise<void> {
  const [, kind, , actorId] = event.type.split('.')
  if (event.type === 'START') client.start()
  else if (event.type === 'RETRY') track(client.ensureLogin(), promises)
  else if (event.type === 'REFRESH') track(client.refresh(), promises)
  else if (event.type === 'LOGOUT') track(client.logout(), promises)
  else if (event.type === 'SESSION_EXPIRED') {
    const expiredToken = client.getSnapshot().context.session?.token
    services.answers.request = (options) => ({
      statusCode: options.header?.Authorization === `Bearer ${expiredToken}` ? 401 : 200,
      data: {},
    })
    track(client.request({ url: 'https://api.example.com/orders' }), promises)
  } else if (kind === 'done' && 'output' in event) {
    const step = actorId as ModelStep
    if (step === 'readSession') {
      // What the read answers is what storage holds.
      if (event.output === null) services.storage.delete(DEFAULT_STORAGE_KEY)
      else services.storage.set(DEFAULT_STORAGE_KEY, event.output)
    }
    services.resolve(step, step === 'readSession' && event.output === null ? undefined : event.output)
  } else if (kind === 'done') {
    services.resolve(actorId as ModelStep, undefined)
  } else if (kind === 'error' && 'error' in event) {
    services.reject(actorId as ModelStep, event.error)
  } else if (kind === 'after') {
    await vi.advanceTimersByTimeAsync(delayOf(event.type, client))
  } else {
    throw new Error(`the model produced an event the runner does not know: ${event.type}`)
  }
  await flush()
}

describe('login machine, model-based', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: MODEL_NOW })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('generates paths that visit every state and every transition of the machine', () => {
    const states = allStateNodes(testMachine).map((n) => n.id)
    const transitions = allTransitionKeys(testMachine)
    console.log(
      `model-based: ${paths.length} paths (${simplePaths.length} simple of ${valuePaths.length} found, ${shortestPaths.length} shortest), ` +
        `${coverage.states.size}/${states.length} states, ${coverage.transitions.size}/${transitions.length} transitions covered`,
    )
    expect([...coverage.states].sort()).toEqual([...states].sort())
    expect([...coverage.transitions].sort()).toEqual([...new Set(transitions)].sort())
  })

  it('explores the same transitions as the machine the client runs', () => {
    expect(allTransitionKeys(testMachine).sort()).toEqual(allTransitionKeys(loginMachine).sort())
    expect(allStateNodes(testMachine).map((n) => n.id)).toEqual(allStateNodes(loginMachine).map((n) => n.id))
  })

  it.each(paths.map(({ kind, path }, i) => [`${kind} #${i}: ${path.description}`, path] as const))('%s', async (_name, path) => {
    const services = createFakeServices({ hold: ALL_STEPS })
    const client = createLoginClient({
      platform: services.platform,
      server: services.server,
      timeouts: MODEL_OPTIONS.timeouts,
      retry: MODEL_OPTIONS.retry,
      serverCheckWindowMs: MODEL_OPTIONS.serverCheckWindowMs,
      apiBaseUrl: 'https://api.example.com',
      random: () => 0.5,
    })
    const promises: Tracked[] = []
    try {
      for (const step of path.steps) {
        if (!step.event.type.startsWith('xstate.init')) await execute(step.event as ModelEvent, client, services, promises)
        const expected = step.state
        const actual = client.getSnapshot()
        const where = `after ${step.event.type}`

        expect(actual.value, where).toEqual(expected.value)
        expect(actual.context.session?.token, where).toBe(expected.context.session?.token)
        expect(actual.context.error?.code, where).toBe(expected.context.error?.code)
        expect(actual.context.attempt, where).toBe(expected.context.attempt)
        expect(actual.context.code, where).toBe(expected.context.code)

        // Calls the machine no longer waits for answer late; the client must ignore them.
        const active = activeSteps(client)
        for (const call of services.calls) {
          const step = ALL_STEPS.find((s) => s === call.step)
          if (step !== undefined && !call.settled && !active.includes(step)) call.resolve(LATE_ANSWERS[step])
        }
        await flush()
        expect(client.getSnapshot().value, `${where}, then late answers`).toEqual(expected.value)

        // One call in flight for each step the machine waits for, none otherwise: single flight.
        for (const s of ALL_STEPS) {
          expect(services.pending(s).length, `${where}: pending ${s}`).toBe(expectedPending(s, active, actual))
        }

        // Storage holds exactly the session the client holds, whole, or nothing.
        const stored = services.storage.get(DEFAULT_STORAGE_KEY) as { token?: string; expiresAt?: number } | undefined
        expect(stored?.token, `${where}: storage`).toBe(expected.context.session?.token)
        if (stored) expect(typeof stored.expiresAt, `${where}: stored expiry`).toBe('number')

        if (actual.matches('authenticated')) {
          await expect(client.ensureLogin()).resolves.toEqual(expected.context.session)
          expect(
            promises.every((p) => p.settled),
            `${where}: every waiting caller settled`,
          ).toBe(true)
        }
        if (actual.matches('failed')) {
          expect(isLoginError(actual.context.error)).toBe(true)
          expect(
            promises.every((p) => (p.settled && p.outcome === 'rejected') || p.outcome === 'resolved'),
            where,
          ).toBe(true)
        }
      }
    } finally {
      client.stop()
      await flush()
    }
    expect(
      promises.every((p) => p.settled),
      'every promise the client handed out settled',
    ).toBe(true)
    expect(EXPIRED_SESSION.expiresAt).toBeLessThan(Date.now())
  })

  afterAll(() => {
    vi.useRealTimers()
  })
})
