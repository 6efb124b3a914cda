/**
 * Property-based runs of the real login client (`createLoginClient`) over held
 * services and fake timers. fast-check draws a starting storage, a client
 * configuration and a sequence of steps: app calls (start, ensureLogin,
 * request, refresh, logout, relaunch), answers to any held call (in any
 * order, late, with every LoginError code, malformed or non-Error
 * rejections), storage failures and the passing of time. After every step
 * the invariants below must hold; after the sequence, everything the app was
 * handed must settle once time passes, and a fresh `ensureLogin` over
 * healthy services must succeed.
 *
 * The phone's clock may be off by minutes or days (the services keep the
 * server's time), answers may be odd (a check that is not a boolean, a
 * session in seconds or already expired, an empty code), and a logout may
 * come at any point. Beyond the invariants of every step: after `logout()`
 * nothing is stored and no login starts until the app asks; no
 * `ensureLogin()` resolves with a session expired in the server's time; a
 * burst of 401s costs one re-login; never more platform requests at once than
 * `maxConcurrentRequests`.
 *
 * On failure fast-check prints the seed and the shrunk sequence; replay with
 * `fc.assert(..., { seed, path })`.
 */
import fc from 'fast-check'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createLoginClient, DEFAULT_STORAGE_KEY } from '../../src/client/index.ts'
import type { LoginClient } from '../../src/client/index.ts'
import { LOGIN_ERROR_CODES, LoginError, isLoginError } from '../../src/contract/index.ts'
import type { LoginErrorCode } from '../../src/contract/index.ts'
import type { PlatformResponse } from '../../src/platform/types.ts'
import type { Session } from '../../src/client/http-session-server/types.ts'
import { ASYNC_STEPS, createFakeServices, HOLD_EVERY_ANSWER, incompleteSessionReason } from '../support/services/index.ts'
import type { FakeServices, HeldStep, ServiceCall } from '../support/services/index.ts'

const TIMEOUTS = { readSession: 100, checkWxSession: 200, checkServerSession: 300, wxLogin: 300, serverLogin: 500 }
const RETRY = { attempts: 3, baseDelayMs: 100, maxDelayMs: 800 }
/** Far more fake time than the slowest flow can take (steps × attempts × (timeout + backoff), twice for a fresh code). */
const SETTLE_WITHIN_MS = 120_000
const NUM_RUNS = Number(process.env['MPL_PROPERTY_RUNS'] ?? 150)

type ErrorSpec = { kind: 'login'; code: LoginErrorCode; retryAfterMs: number | undefined } | { kind: 'plain' } | { kind: 'non-error' }

type Outcome =
  | { kind: 'ok'; ttlMs: number }
  /** checkSession expired, a login without a code, server says invalid, a malformed session, a 401. */
  | { kind: 'negative' }
  /** An answer the contract does not allow: a check that is not a boolean, a session in seconds or already over, a code that is a number. */
  | { kind: 'odd'; variant: number }
  | { kind: 'status'; status: number }
  | { kind: 'error'; error: ErrorSpec }

type AppCall = 'ensureLogin' | 'refresh' | 'logout' | 'request'

type Op =
  | { op: 'start' | 'ensureLogin' | 'refresh' | 'logout' | 'request' | 'relaunch' }
  /** Several app calls in the same tick. */
  | { op: 'burst'; calls: AppCall[] }
  | { op: 'answer'; step: HeldStep; pick: number; outcome: Outcome }
  | { op: 'advance'; ms: number }
  | { op: 'storageFull'; on: boolean }
  | { op: 'storageReadFails'; on: boolean }

type Seed = 'none' | 'live' | 'expired' | 'legacy' | 'corrupt-text' | 'half-session'

interface Scenario {
  seed: Seed
  jitter: number
  serverCheckWindowMs: number
  /** How far the phone's clock is off the server's (positive: ahead). */
  skewMs: number
  maxConcurrentRequests: number
  ops: Op[]
}

const DAY_MS = 86_400_000

const errorSpecArb: fc.Arbitrary<ErrorSpec> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('login' as const),
      code: fc.constantFrom(...LOGIN_ERROR_CODES),
      retryAfterMs: fc.option(fc.integer({ min: 0, max: 5_000 }), { nil: undefined }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'plain' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'non-error' as const }) },
)

const outcomeArb: fc.Arbitrary<Outcome> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('ok' as const),
      ttlMs: fc.oneof(fc.integer({ min: 1, max: 3_000 }), fc.constant(86_400_000)),
    }),
  },
  { weight: 2, arbitrary: fc.constant({ kind: 'negative' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('odd' as const), variant: fc.nat({ max: 2 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('status' as const), status: fc.constantFrom(403, 429, 500, 503) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('error' as const), error: errorSpecArb }) },
)

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ op: 'ensureLogin' as const }) },
  { weight: 2, arbitrary: fc.constant({ op: 'request' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'refresh' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'logout' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'start' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'relaunch' as const }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('burst' as const),
      calls: fc.array(fc.constantFrom<AppCall>('ensureLogin', 'refresh', 'logout', 'request'), { minLength: 2, maxLength: 6 }),
    }),
  },
  {
    weight: 10,
    arbitrary: fc.record({
      op: fc.constant('answer' as const),
      step: fc.constantFrom(...ASYNC_STEPS),
      pick: fc.nat(),
      outcome: outcomeArb,
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('advance' as const),
      ms: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 1_000 }), fc.constantFrom(2_000, 5_000, 11_000)),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('storageFull' as const), on: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('storageReadFails' as const), on: fc.boolean() }) },
)

const skewArb = fc.oneof(
  fc.constant(0),
  fc.constantFrom(10 * DAY_MS, -10 * DAY_MS, 5 * 60_000, -5 * 60_000),
  fc.integer({ min: -DAY_MS, max: DAY_MS }),
)

const scenarioArb: fc.Arbitrary<Scenario> = fc.record({
  seed: fc.constantFrom<Seed>('none', 'live', 'expired', 'legacy', 'corrupt-text', 'half-session'),
  jitter: fc.double({ min: 0, max: 0.999, noNaN: true }),
  serverCheckWindowMs: fc.constantFrom(0, 60_000),
  skewMs: skewArb,
  maxConcurrentRequests: fc.constantFrom(1, 2, 10),
  ops: fc.array(opArb, { minLength: 1, maxLength: 40 }),
})

function makeError(spec: ErrorSpec): unknown {
  switch (spec.kind) {
    case 'login':
      return new LoginError(spec.code, `scripted ${spec.code}`, spec.retryAfterMs === undefined ? {} : { retryAfterMs: spec.retryAfterMs })
    case 'plain':
      return new Error('scripted plain failure')
    case 'non-error':
      return 'a rejection that is not an Error'
  }
}

/** Answers a held call the way the outcome says, in the shape its step answers. */
function answer(services: FakeServices, call: ServiceCall, outcome: Outcome): void {
  if (outcome.kind === 'error') return call.reject(makeError(outcome.error))
  if (outcome.kind === 'status') {
    if (call.step === 'request')
      return call.resolve({ statusCode: outcome.status, data: { error: 'scripted' }, header: {} } satisfies PlatformResponse)
    return call.reject(new LoginError(outcome.status === 429 ? 'rate_limited' : 'server_error', `scripted HTTP ${outcome.status}`))
  }
  if (outcome.kind === 'odd') return call.resolve(oddAnswer(services, call, outcome.variant))
  const negative = outcome.kind === 'negative'
  switch (call.step) {
    case 'checkWxSession':
      return negative
        ? call.reject(new LoginError('unauthorized', 'checkSession:fail session time out, need relogin'))
        : call.resolve(undefined)
    case 'wxLogin':
      return call.resolve({ code: negative ? '' : `prop-code-${call.id}` })
    case 'checkServerSession':
      // The server tells the truth about its own sessions.
      return call.resolve(!negative && services.isLive(call.input as Session))
    case 'serverLogin':
      return negative
        ? call.resolve({ token: '', expiresAt: 'tomorrow' })
        : call.resolve(services.issueSession(outcome.kind === 'ok' ? outcome.ttlMs : 1_000))
    case 'serverLogout':
      return negative ? call.reject(new LoginError('network', 'scripted logout failure')) : call.resolve(undefined)
    case 'request':
      return call.resolve({ statusCode: negative ? 401 : 200, data: {}, header: {} } satisfies PlatformResponse)
  }
}

/** Answers the contract does not allow, per step. */
function oddAnswer(services: FakeServices, call: ServiceCall, variant: number): unknown {
  switch (call.step) {
    case 'checkServerSession':
      return [{ valid: false }, 'false', 1][variant]
    case 'wxLogin':
      return [{ code: 42 }, {}, null][variant]
    case 'serverLogin': {
      const live = services.issueSession(86_400_000)
      // In seconds; already over; over by the server's clock (no expiresIn) an hour ago.
      return [
        { token: live.token, expiresAt: Math.floor(live.expiresAt / 1000), expiresIn: live.expiresIn },
        { token: live.token, expiresAt: Date.now(), expiresIn: 0 },
        { token: live.token, expiresAt: Date.now() - 3_600_000, expiresIn: -3_600_000 },
      ][variant]
    }
    case 'request':
      return { statusCode: 200, data: undefined, header: {} }
    case 'checkWxSession':
    case 'serverLogout':
      return ['unexpected', 0, {}][variant]
  }
}

interface Tracked {
  label: string
  settled: boolean
  value?: unknown
  error?: unknown
}

async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await vi.advanceTimersByTimeAsync(0)
}

/** What an earlier run of the same phone stored: the offset it had to the server's time is minus its skew. */
function seedStorage(services: FakeServices, seed: Seed, skewMs: number): unknown {
  const now = Date.now()
  let value: unknown
  switch (seed) {
    case 'none':
      return undefined
    case 'live':
      services.issuedTokens.add('seed-live-token')
      value = { token: 'seed-live-token', expiresAt: now + 86_400_000, serverOffsetMs: -skewMs }
      break
    case 'expired':
      services.issuedTokens.add('seed-expired-token')
      value = { token: 'seed-expired-token', expiresAt: now - 1, serverOffsetMs: -skewMs }
      break
    case 'legacy':
      // An older app version: no offset, so the phone cannot judge it; the server does.
      services.issuedTokens.add('seed-legacy-token')
      value = { token: 'seed-legacy-token', expiresAt: now + 86_400_000, confirmedAt: now + 3_600_000 }
      break
    case 'corrupt-text':
      value = '{"token":"seed-corrupt'
      break
    case 'half-session':
      value = { token: 'seed-half-token' }
      break
  }
  services.storage.set(DEFAULT_STORAGE_KEY, structuredClone(value))
  return value
}

/** One run: the client, its services and everything the invariants watch. */
class Run {
  readonly services = createFakeServices(HOLD_EVERY_ANSWER)
  readonly tracked: Tracked[] = []
  readonly violations: string[] = []
  readonly seedValue: unknown
  client: LoginClient
  writeErrorEvents = 0
  /** Set by logout(), ended by ensureLogin(), start() or a relaunch: no login may start meanwhile. */
  loggedOutAt: { wxLogin: number; serverLogin: number } | null = null
  private unsubscribe: () => void = () => {}

  constructor(readonly scenario: Scenario) {
    this.seedValue = seedStorage(this.services, scenario.seed, scenario.skewMs)
    this.client = this.launch()
  }

  private loginCalls(): { wxLogin: number; serverLogin: number } {
    const { calls } = this.services
    return { wxLogin: calls.filter((c) => c.step === 'wxLogin').length, serverLogin: calls.filter((c) => c.step === 'serverLogin').length }
  }

  launch(): LoginClient {
    const client = createLoginClient({
      platform: this.services.platform,
      server: this.services.server,
      timeouts: TIMEOUTS,
      retry: RETRY,
      random: () => this.scenario.jitter,
      serverCheckWindowMs: this.scenario.serverCheckWindowMs,
      apiBaseUrl: 'https://api.example.com',
      now: () => Date.now() + this.scenario.skewMs,
      maxConcurrentRequests: this.scenario.maxConcurrentRequests,
    })
    const subscription = client.subscribe((snapshot) => {
      if (snapshot.matches('authenticated')) {
        const reason = incompleteSessionReason(snapshot.context.session)
        if (reason !== undefined) this.violations.push(`authenticated without a session (${reason})`)
      }
    })
    this.unsubscribe = () => subscription.unsubscribe()
    client.on('storage_error', (event) => {
      if (!isLoginError(event.error) || event.error.code !== 'storage_error')
        this.violations.push('a storage_error event without a storage_error LoginError')
      if (event.operation === 'write') this.writeErrorEvents += 1
    })
    client.on('logout_error', (event) => {
      if (!isLoginError(event.error)) this.violations.push('a logout_error event without a LoginError')
    })
    return client
  }

  track(label: string, promise: Promise<unknown>): void {
    const entry: Tracked = { label, settled: false }
    this.tracked.push(entry)
    promise.then(
      (value) => {
        entry.settled = true
        entry.value = value
        // The services keep the server's time: Date.now() is what the server's clock says.
        if (label.endsWith('ensureLogin') && !this.services.isLive(value as Session)) {
          this.violations.push(`${label} resolved with a session the server does not accept now (expired in server time, or never issued)`)
        }
      },
      (error: unknown) => {
        entry.settled = true
        entry.error = error
        if (!isLoginError(error) || !(LOGIN_ERROR_CODES as readonly string[]).includes(error.code)) {
          this.violations.push(`${label} rejected with something that is not a LoginError: ${String(error)}`)
        }
      },
    )
  }

  async execute(op: Op): Promise<void> {
    if (op.op === 'burst') {
      for (const call of op.calls) void this.call({ op: call })
    } else {
      await this.call(op)
    }
    await flush()
  }

  private async call(op: Exclude<Op, { op: 'burst' }>): Promise<void> {
    const { client, services } = this
    switch (op.op) {
      case 'start':
        this.loggedOutAt = null
        client.start()
        break
      case 'ensureLogin':
        this.loggedOutAt = null
        this.track('ensureLogin', client.ensureLogin())
        break
      case 'refresh':
        this.track('refresh', client.refresh())
        break
      case 'request':
        this.track('request', client.request({ url: 'https://api.example.com/orders', method: 'GET' }))
        break
      case 'logout':
        // A wx.login cannot be cancelled: one still running belongs to the flow the logout ended,
        // and still counts as in flight; the client must not start another before it settles.
        this.track('logout', client.logout())
        this.loggedOutAt ??= this.loginCalls()
        // Locally the user is out at once, before the server answers.
        if (services.storage.has(DEFAULT_STORAGE_KEY)) this.violations.push('storage still holds a session right after logout()')
        if (client.getSnapshot().context.session !== null) this.violations.push('the client still holds a session right after logout()')
        break
      case 'relaunch':
        // The old client is gone; whatever it still waited on belongs to nobody.
        this.unsubscribe()
        client.stop()
        for (const call of services.pending()) call.abandoned = true
        this.loggedOutAt = null
        this.client = this.launch()
        break
      case 'answer': {
        const own = services.pending(op.step)
        const candidates = own.length > 0 ? own : services.pending()
        const call = candidates[op.pick % Math.max(candidates.length, 1)]
        if (call) answer(services, call, op.outcome)
        break
      }
      case 'advance':
        await vi.advanceTimersByTimeAsync(op.ms)
        break
      case 'storageFull':
        services.storageFull = op.on
        break
      case 'storageReadFails':
        services.storageReadFails = op.on
        break
    }
  }

  /** The invariants that hold between any two steps. */
  check(where: string): void {
    const { services } = this
    const snapshot = this.client.getSnapshot()

    const loginsInFlight = services.pending('wxLogin').filter((call) => !call.abandoned)
    if (loginsInFlight.length > 1) this.violations.push(`${loginsInFlight.length} wx.login calls in flight`)

    for (const audit of services.storageViolations.splice(0)) {
      this.violations.push(`storage was written half a session (${audit.reason}): ${JSON.stringify(audit.value)}`)
    }

    const stored = services.storage.get(DEFAULT_STORAGE_KEY)
    const untouchedSeed = JSON.stringify(stored) === JSON.stringify(this.seedValue)
    if (stored !== undefined && !untouchedSeed) {
      const reason = incompleteSessionReason(stored)
      if (reason !== undefined) this.violations.push(`storage holds half a session (${reason})`)
      else if (!services.issuedTokens.has((stored as Session).token)) this.violations.push('storage holds a token the server never issued')
    }

    const session = snapshot.context.session
    if (session && !services.issuedTokens.has(session.token)) this.violations.push('the client holds a token the server never issued')
    if (snapshot.matches('authenticated')) {
      if (!session || incompleteSessionReason(session) !== undefined) this.violations.push('authenticated without a token')
      // Every write succeeded: storage holds exactly the session the client uses.
      if (session && services.failedWrites === 0) {
        const current = stored as Partial<Session> | undefined
        if (current?.token !== session.token || current.expiresAt !== session.expiresAt) {
          this.violations.push(`authenticated with ${session.token} but storage holds ${JSON.stringify(stored)}`)
        }
      }
    }
    if (this.loggedOutAt) {
      const now = this.loginCalls()
      if (now.wxLogin > this.loggedOutAt.wxLogin || now.serverLogin > this.loggedOutAt.serverLogin) {
        this.violations.push('a login started after logout() before the app asked for one')
      }
      if (stored !== undefined) this.violations.push(`storage holds ${JSON.stringify(stored)} after logout()`)
    }

    if (services.peakRequestsInFlight > this.scenario.maxConcurrentRequests) {
      this.violations.push(
        `${services.peakRequestsInFlight} platform requests at once, above the limit of ${this.scenario.maxConcurrentRequests}`,
      )
    }

    if (services.failedWrites !== this.writeErrorEvents) {
      this.violations.push(`${services.failedWrites} storage writes failed but ${this.writeErrorEvents} storage_error events were reported`)
    }

    if (this.violations.length > 0) throw new Error(`${where}: ${this.violations.join('; ')}`)
  }

  atRest(): boolean {
    const snapshot = this.client.getSnapshot()
    return snapshot.matches('idle') || snapshot.matches('authenticated') || snapshot.matches('failed')
  }

  allSettled(): boolean {
    return this.tracked.every((entry) => entry.settled)
  }

  /** Lets fake time pass, with nobody answering, until everything handed out settled. */
  async drain(): Promise<void> {
    for (let waited = 0; waited <= SETTLE_WITHIN_MS && !(this.allSettled() && this.atRest()); waited += 500) {
      await vi.advanceTimersByTimeAsync(500)
      this.check(`while draining at +${waited} ms`)
    }
    const open = this.tracked.filter((entry) => !entry.settled).map((entry) => entry.label)
    if (open.length > 0) throw new Error(`still unsettled ${SETTLE_WITHIN_MS} ms after the last step: ${open.join(', ')}`)
    if (!this.atRest()) throw new Error(`the machine is still busy in ${JSON.stringify(this.client.getSnapshot().value)}`)
  }

  async settle<T>(label: string, promise: Promise<T>): Promise<Tracked> {
    this.track(label, promise)
    const entry = this.tracked[this.tracked.length - 1] as Tracked
    for (let waited = 0; waited <= SETTLE_WITHIN_MS && !entry.settled; waited += 250) await vi.advanceTimersByTimeAsync(250)
    return entry
  }
}

async function runScenario(scenario: Scenario): Promise<void> {
  const run = new Run(scenario)
  try {
    run.check('at launch')
    for (const [index, op] of scenario.ops.entries()) {
      await run.execute(op)
      run.check(`after step ${index} (${op.op}${op.op === 'answer' ? ` ${op.step}` : ''})`)
    }
    await run.drain()

    // Whatever happened, healthy services give a session once the app asks for one.
    run.services.beHealthy()
    run.loggedOutAt = null
    const login = await run.settle('final ensureLogin', run.client.ensureLogin())
    if (!login.settled || login.error !== undefined) {
      throw new Error(`ensureLogin over healthy services did not succeed: ${login.settled ? String(login.error) : 'never settled'}`)
    }
    const session = login.value as Session
    if (!run.services.issuedTokens.has(session.token)) throw new Error('ensureLogin resolved with a token the server never issued')
    if (!run.client.getSnapshot().matches('authenticated')) throw new Error('ensureLogin resolved but the client is not authenticated')
    run.check('after the final login')

    const request = await run.settle('final request', run.client.request({ url: 'https://api.example.com/me' }))
    if (request.error !== undefined || (request.value as PlatformResponse | undefined)?.statusCode !== 200) {
      throw new Error(`request over healthy services failed: ${String(request.error)}`)
    }
    // A short-lived session may have been renewed on the way; the request carries the current one.
    const current = run.client.getSnapshot().context.session
    if (!current || run.services.requestTokens.at(-1) !== `Bearer ${current.token}`)
      throw new Error('the request did not carry the session token')
  } finally {
    run.client.stop()
    await flush()
    vi.clearAllTimers()
  }
  const open = run.tracked.filter((entry) => !entry.settled).map((entry) => entry.label)
  if (open.length > 0) throw new Error(`still unsettled after stop(): ${open.join(', ')}`)
}

describe('login client under random events and service outcomes (fast-check)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-03-01T08:00:00Z') })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('keeps its invariants, settles every call and recovers over healthy services', async () => {
    await fc.assert(fc.asyncProperty(scenarioArb, runScenario), { numRuns: NUM_RUNS })
  })

  it('answers concurrent callers with one wx.login and one server login', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom('ensureLogin', 'request', 'refresh'), { minLength: 2, maxLength: 12 }), async (callers) => {
        const run = new Run({ seed: 'none', jitter: 0.5, serverCheckWindowMs: 0, skewMs: 0, maxConcurrentRequests: 10, ops: [] })
        try {
          for (const caller of callers) {
            if (caller === 'ensureLogin') run.track(caller, run.client.ensureLogin())
            else if (caller === 'refresh') run.track(caller, run.client.refresh())
            else run.track(caller, run.client.request({ url: 'https://api.example.com/orders' }))
          }
          await flush()
          run.check('after the concurrent calls')
          run.services.beHealthy()
          await run.drain()
          expect(run.services.calls.filter((call) => call.step === 'wxLogin')).toHaveLength(1)
          expect(run.services.calls.filter((call) => call.step === 'serverLogin')).toHaveLength(1)
          expect(run.tracked.every((entry) => entry.settled && entry.error === undefined)).toBe(true)
          const tokens = new Set(run.tracked.filter((entry) => entry.label !== 'request').map((entry) => (entry.value as Session).token))
          expect(tokens.size).toBeLessThanOrEqual(1)
        } finally {
          run.client.stop()
          await flush()
          vi.clearAllTimers()
        }
      }),
      { numRuns: 50 },
    )
  })

  it('never hands out a session expired in server time, whatever the phone clock says', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 5_000 }), fc.integer({ min: 0, max: 10_000 }), skewArb, async (ttlMs, waitMs, skewMs) => {
        const ops: Op[] = [
          { op: 'ensureLogin' },
          { op: 'answer', step: 'wxLogin', pick: 0, outcome: { kind: 'ok', ttlMs } },
          { op: 'answer', step: 'serverLogin', pick: 0, outcome: { kind: 'ok', ttlMs } },
          { op: 'advance', ms: waitMs },
          { op: 'ensureLogin' },
          { op: 'request' },
        ]
        await runScenario({ seed: 'none', jitter: 0.5, serverCheckWindowMs: 0, skewMs, maxConcurrentRequests: 10, ops })
      }),
      { numRuns: 60 },
    )
  })

  it('a burst of 401s costs one re-login, within the request limit, whatever the phone clock says', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 40 }),
        skewArb,
        fc.constantFrom(1, 3, 10),
        async (burst, skewMs, maxConcurrentRequests) => {
          const run = new Run({ seed: 'none', jitter: 0.5, serverCheckWindowMs: 0, skewMs, maxConcurrentRequests, ops: [] })
          try {
            run.services.beHealthy()
            const login = await run.settle('ensureLogin', run.client.ensureLogin())
            expect(login.error).toBeUndefined()
            // The server revokes the session: every first try gets a 401.
            const revoked = (login.value as Session).token
            run.services.issuedTokens.delete(revoked)
            const originalRequest = run.services.platform.request
            run.services.platform.request = async (options) => {
              const answer = await originalRequest(options)
              return options.header?.['Authorization'] === `Bearer ${revoked}` ? { ...answer, statusCode: 401 } : answer
            }
            const before = run.services.calls.filter((call) => call.step === 'serverLogin').length
            for (let i = 0; i < burst; i++) run.track('request', run.client.request({ url: `https://api.example.com/r/${i}` }))
            await run.drain()
            expect(run.services.calls.filter((call) => call.step === 'serverLogin').length - before).toBe(1)
            expect(
              run.tracked
                .filter((entry) => entry.label === 'request')
                .every((entry) => (entry.value as PlatformResponse | undefined)?.statusCode === 200),
            ).toBe(true)
            expect(run.services.peakRequestsInFlight).toBeLessThanOrEqual(maxConcurrentRequests)
            run.check('after the burst')
          } finally {
            run.client.stop()
            await flush()
            vi.clearAllTimers()
          }
        },
      ),
      { numRuns: 40 },
    )
  })

  it('catches a broken invariant: the audit flags half a session written to storage', async () => {
    // The checks above must be able to fail; this proves the storage audit does.
    const run = new Run({ seed: 'none', jitter: 0.5, serverCheckWindowMs: 0, skewMs: 0, maxConcurrentRequests: 10, ops: [] })
    try {
      run.services.platform.storage.set(DEFAULT_STORAGE_KEY, { token: 'held-token-half' })
      expect(() => run.check('after a half write')).toThrow(/half a session \(no expiresAt\)/)
    } finally {
      run.client.stop()
      await flush()
    }
  })
})
