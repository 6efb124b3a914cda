/**
 * Section 4: throughput and latency of the developer server's
 * `POST /auth/session` and `POST /auth/login`, with the SQLite store and the
 * Redis store, each as a fraction of a Fastify hello-world route served by
 * the same process (the ceiling). Load comes from autocannon's programmatic
 * API; code2Session goes to the WeChat emulator with no added latency and a
 * per-user quota set out of the way.
 *
 * The targets take turns: `rounds` slices per target, alternating, so a
 * busy moment of a shared machine hits all of them alike. Latency
 * percentiles are computed over every response of every slice.
 *
 * Every login request carries a fresh code: a pool is issued from the
 * emulator before each slice and handed out by autocannon's `setupRequest`
 * hook. Login slices are therefore sized by request count (from the rate of
 * a warm-up) rather than by time.
 */
import { fork } from 'node:child_process'
import { performance } from 'node:perf_hooks'
import { randomBytes, randomUUID } from 'node:crypto'
import autocannon from 'autocannon'
import { startWechatEmulator, type WechatEmulator } from '../src/emulator/index.ts'
import {
  HELLO_PATH,
  LOGIN_CEILING_PATH,
  startHttpTargets,
  type HttpTargetName,
  type HttpTargetsInfo,
  type HttpTargetsOptions,
} from './http-targets.ts'
import { TARGET_OPTIONS_ENV, type TargetMessage } from './http-target-protocol.ts'
import { redactUrl } from './config.ts'
import { percentile, ratio } from './stats.ts'

export type HttpRoute = 'session' | 'login'

export interface HttpRun {
  route: HttpRoute
  target: HttpTargetName
  slices: number
  /** Responses with a 2xx status. */
  ok: number
  non2xx: number
  errors: number
  timeouts: number
  durationSec: number
  /** 2xx responses per second. */
  perSecond: number
  p50Ms: number
  p99Ms: number
  /**
   * `perSecond` over the ceiling's (1 for a ceiling itself): for `/auth/session`
   * a hello-world route; for `/auth/login` the same store's login ceiling (one
   * code2Session call and one store write).
   */
  ofCeiling: number
}

export interface HttpThroughputResult {
  mode: 'child-process' | 'in-process'
  connections: number
  runs: HttpRun[]
  /** Failed requests or mismatched counts: the figures of such a run mean nothing. */
  problems: string[]
  notes: string[]
  /** The prefix of every Redis key the run wrote. */
  redisKeyPrefix: string
  redisKeysDeleted: number
}

export interface HttpThroughputOptions {
  /** Timed seconds per target, split over `rounds` slices (ignored when `amount` is set). */
  durationSec: number
  /** Alternating slices per target. Default 3. */
  rounds?: number
  /** Seconds of warm-up per target before the timed run (0: none). */
  warmupSec: number
  connections: number
  /** Serve the targets from this process instead of a child process. */
  inProcess: boolean
  redisUrl: string
  /** Send exactly this many requests per target in one slice, without warm-ups (for tests). */
  amount?: number
}

interface TargetsHandle {
  info: HttpTargetsInfo
  close(): Promise<{ redisKeysDeleted: number }>
}

const CHILD_START_TIMEOUT_MS = 30_000
const CHILD_CLOSE_TIMEOUT_MS = 15_000

function startTargetsInChild(options: HttpTargetsOptions): Promise<TargetsHandle> {
  const child = fork(new URL('./http-target-process.ts', import.meta.url), [], {
    execArgv: ['--import', import.meta.resolve('tsx')],
    env: { ...process.env, [TARGET_OPTIONS_ENV]: JSON.stringify(options) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })

  const close = (): Promise<{ redisKeysDeleted: number }> =>
    new Promise((resolve, reject) => {
      if (child.exitCode !== null || !child.connected) {
        reject(new Error('the HTTP target process had already exited'))
        return
      }
      const timer = setTimeout(() => {
        child.kill('SIGKILL')
        reject(new Error(`the HTTP target process did not close within ${CHILD_CLOSE_TIMEOUT_MS} ms`))
      }, CHILD_CLOSE_TIMEOUT_MS)
      child.on('message', (message: TargetMessage) => {
        if (message.type === 'closed') {
          clearTimeout(timer)
          resolve({ redisKeysDeleted: message.redisKeysDeleted })
        } else if (message.type === 'failed') {
          clearTimeout(timer)
          reject(new Error(message.message))
        }
      })
      child.once('exit', (code) => {
        clearTimeout(timer)
        reject(new Error(`the HTTP target process exited (${code}) while closing`))
      })
      child.send({ type: 'close' })
    })

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`the HTTP target process did not start within ${CHILD_START_TIMEOUT_MS} ms`))
    }, CHILD_START_TIMEOUT_MS)
    child.once('message', (message: TargetMessage) => {
      clearTimeout(timer)
      if (message.type === 'ready') resolve({ info: message.info, close })
      else {
        child.kill()
        reject(new Error(`the HTTP target process failed: ${message.type === 'failed' ? message.message : message.type}`))
      }
    })
    child.once('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`the HTTP target process exited (${code}) before it was ready`))
    })
  })
}

async function startTargetsHere(options: HttpTargetsOptions): Promise<TargetsHandle> {
  const targets = await startHttpTargets(options)
  const { urls, redisUnavailable } = targets
  return { info: { urls, ...(redisUnavailable === undefined ? {} : { redisUnavailable }) }, close: () => targets.close() }
}

interface CannonRequest {
  path: string
  /** Called for every request: what to send. */
  next(): { headers: Record<string, string>; body: string }
}

interface Slice {
  ok: number
  non2xx: number
  errors: number
  timeouts: number
  durationSec: number
  /** Response time of every response, ms. */
  latencies: number[]
}

type Load = { connections: number } & ({ durationSec: number } | { amount: number })

/**
 * One autocannon run; resolves with its counts and every response time. The
 * duration is measured here, from the start to the last response: autocannon
 * notices the end of a run only at its next sample tick, and its own
 * duration includes that wait (the tick is shortened to 100 ms so a counted
 * run ends soon after its last response).
 */
function fire(baseUrl: string, request: CannonRequest, load: Load): Promise<Slice> {
  const first = request.next()
  const latencies: number[] = []
  const began = performance.now()
  let lastResponse = began
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: baseUrl,
        connections: load.connections,
        sampleInt: 100,
        ...('amount' in load ? { amount: load.amount } : { duration: load.durationSec }),
        requests: [
          {
            method: 'POST',
            path: request.path,
            headers: first.headers,
            body: first.body,
            setupRequest: (req) => {
              const { headers, body } = request.next()
              return { ...req, headers, body }
            },
          },
        ],
      },
      (error, result) => {
        if (error) {
          reject(error instanceof Error ? error : new Error(String(error)))
          return
        }
        resolve({
          ok: result['2xx'],
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
          durationSec: latencies.length > 0 ? (lastResponse - began) / 1000 : result.duration,
          latencies,
        })
      },
    )
    instance.on('response', (_client, _status, _bytes, responseTime) => {
      latencies.push(responseTime)
      lastResponse = performance.now()
    })
  })
}

function merge(route: HttpRoute, target: HttpTargetName, slices: readonly Slice[]): HttpRun {
  const sum = (pick: (slice: Slice) => number) => slices.reduce((total, slice) => total + pick(slice), 0)
  const ok = sum((slice) => slice.ok)
  const durationSec = sum((slice) => slice.durationSec)
  const latencies = slices.flatMap((slice) => slice.latencies)
  return {
    route,
    target,
    slices: slices.length,
    ok,
    non2xx: sum((slice) => slice.non2xx),
    errors: sum((slice) => slice.errors),
    timeouts: sum((slice) => slice.timeouts),
    durationSec,
    perSecond: durationSec > 0 ? ok / durationSec : Number.NaN,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    ofCeiling: Number.NaN,
  }
}

const JSON_HEADERS = { 'content-type': 'application/json' }

/** A session check: the Bearer token of one of `tokens`, in turn, and an empty JSON body, as the client sends it. */
function sessionRequest(path: string, tokens: readonly string[]): CannonRequest {
  let turn = 0
  return {
    path,
    next: () => {
      const token = tokens[turn++ % tokens.length] as string
      return { headers: { ...JSON_HEADERS, authorization: `Bearer ${token}` }, body: '{}' }
    },
  }
}

/** A login: `{ code }`, each from `codeOf()`. */
function loginRequest(path: string, codeOf: () => string): CannonRequest {
  return { path, next: () => ({ headers: JSON_HEADERS, body: JSON.stringify({ code: codeOf() }) }) }
}

async function issueCodes(emulator: WechatEmulator, count: number): Promise<string[]> {
  const codes: string[] = []
  for (let i = 0; i < count; i++) codes.push(await emulator.issueCode())
  return codes
}

/** Hands out codes from a pool; once it is empty, a code WeChat never issued (the slice then reports failures). */
function codeDispenser(pool: string[]): () => string {
  return () => pool.pop() ?? 'pool-exhausted-000000000000000000'
}

async function loginOnce(baseUrl: string, code: string): Promise<string> {
  const response = await fetch(`${baseUrl}/auth/login`, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ code }) })
  const body = (await response.json()) as { token?: unknown }
  if (response.status !== 200 || typeof body.token !== 'string') throw new Error(`setting up sessions: login answered ${response.status}`)
  return body.token
}

function runProblems(run: HttpRun): string[] {
  const where = `${run.route} on ${run.target}`
  const problems: string[] = []
  if (run.non2xx > 0) problems.push(`${where}: ${run.non2xx} responses were not 2xx`)
  if (run.errors > 0) problems.push(`${where}: ${run.errors} connection errors (${run.timeouts} timeouts)`)
  return problems
}

/** One target of a route: the request source and size of its next slice. */
interface TargetPlan {
  target: HttpTargetName
  baseUrl: string
  /** A login target turns a timed slice into a counted one (at the rate it has seen) and issues that many codes. */
  slice(load: Load): Promise<{ request: CannonRequest; load: Load }>
}

const SESSION_TOKENS = 32

export async function runHttpThroughput(options: HttpThroughputOptions): Promise<HttpThroughputResult> {
  const { connections, amount } = options
  const rounds = amount === undefined ? (options.rounds ?? 3) : 1
  const warmupSec = amount === undefined ? options.warmupSec : 0
  const notes: string[] = []
  const problems: string[] = []
  const runs: HttpRun[] = []
  const mode = options.inProcess ? 'in-process' : 'child-process'

  // A throwaway app: the secret only has to match between the emulator and the developer server.
  const wechat = { appId: `wxbench${randomBytes(5).toString('hex')}`, secret: randomBytes(16).toString('hex') }
  const emulator = await startWechatEmulator({
    ...wechat,
    // WeChat allows 100 code2Session calls per user per minute; keep that quota out of the way.
    rateLimit: { max: 1_000_000_000 },
  })
  let targets: TargetsHandle | undefined
  let redisKeysDeleted = 0
  const redisKeyPrefix = `mpl-bench:${process.pid}:${randomUUID()}:`
  try {
    const targetOptions: HttpTargetsOptions = { wechat: { ...wechat, apiBase: emulator.url }, redisUrl: options.redisUrl, redisKeyPrefix }
    targets = options.inProcess ? await startTargetsHere(targetOptions) : await startTargetsInChild(targetOptions)
    const { urls, redisUnavailable } = targets.info
    if (redisUnavailable !== undefined)
      notes.push(`Redis store skipped: ${redactUrl(options.redisUrl)} did not answer (${redisUnavailable})`)
    const helloUrl = urls.hello as string
    const stores = (['sqlite', 'redis'] as const).flatMap((store) => (urls[store] === undefined ? [] : [{ store, baseUrl: urls[store] }]))
    const sliceLoad: Load = amount === undefined ? { connections, durationSec: options.durationSec / rounds } : { connections, amount }

    /** Warm-ups, then `rounds` slices per target in turn; merges and checks each target's slices. */
    const measure = async (route: HttpRoute, plans: TargetPlan[], ceilingOf: (target: HttpTargetName) => HttpTargetName) => {
      const slices = new Map<HttpTargetName, Slice[]>(plans.map((plan) => [plan.target, []]))
      if (warmupSec > 0) {
        for (const plan of plans) {
          const { request, load } = await plan.slice({ connections, durationSec: warmupSec })
          await fire(plan.baseUrl, request, load)
        }
      }
      for (let round = 0; round < rounds; round++) {
        for (const plan of plans) {
          const { request, load } = await plan.slice(sliceLoad)
          const exchangedBefore = emulator.stats().code2SessionOk
          const slice = await fire(plan.baseUrl, request, load)
          slices.get(plan.target)?.push(slice)
          // Every successful login exchanged exactly one code with WeChat; nothing else exchanges any.
          const exchanged = emulator.stats().code2SessionOk - exchangedBefore
          const expected = route === 'login' ? slice.ok : 0
          if (exchanged !== expected)
            problems.push(`${route} on ${plan.target}: WeChat exchanged ${exchanged} codes for ${expected} successful logins`)
          if ('amount' in load && slice.ok !== load.amount)
            problems.push(`${route} on ${plan.target}: ${slice.ok} of ${load.amount} requests succeeded`)
        }
      }
      const merged = plans.map((plan) => merge(route, plan.target, slices.get(plan.target) ?? []))
      for (const run of merged) {
        const ceiling = merged.find((other) => other.target === ceilingOf(run.target))
        run.ofCeiling = ceiling ? ratio(run.perSecond, ceiling.perSecond) : Number.NaN
        problems.push(...runProblems(run))
        runs.push(run)
      }
    }

    // POST /auth/session: a few live sessions per store, checked in turn.
    const fakeTokens = Array.from({ length: SESSION_TOKENS }, () => randomBytes(32).toString('base64url'))
    const fixed = (request: CannonRequest) => async (load: Load) => ({ request, load })
    const sessionPlans: TargetPlan[] = [{ target: 'hello', baseUrl: helloUrl, slice: fixed(sessionRequest(HELLO_PATH, fakeTokens)) }]
    for (const { store, baseUrl } of stores) {
      const tokens: string[] = []
      for (const code of await issueCodes(emulator, SESSION_TOKENS)) tokens.push(await loginOnce(baseUrl, code))
      sessionPlans.push({ target: store, baseUrl, slice: fixed(sessionRequest('/auth/session', tokens)) })
    }
    await measure('session', sessionPlans, () => 'hello')

    // POST /auth/login: a fresh code per request, against each store's login ceiling.
    const loginTargets = stores.flatMap(({ store, baseUrl }) => {
      const ceiling = `login-ceiling-${store}` as const
      const ceilingUrl = urls[ceiling]
      return [
        { target: store as HttpTargetName, baseUrl, path: '/auth/login' },
        ...(ceilingUrl === undefined ? [] : [{ target: ceiling as HttpTargetName, baseUrl: ceilingUrl, path: LOGIN_CEILING_PATH }]),
      ]
    })
    const loginPlans: TargetPlan[] = []
    for (const { target, baseUrl, path } of loginTargets) {
      let rate: number | undefined
      loginPlans.push({
        target,
        baseUrl,
        slice: async (load) => {
          if ('durationSec' in load && rate === undefined) {
            // The first timed slice: measure the rate with a counted run first (it warms up too).
            const calibration = Math.max(200, connections * 10)
            const pool = await issueCodes(emulator, calibration + connections * 2)
            const slice = await fire(baseUrl, loginRequest(path, codeDispenser(pool)), { connections, amount: calibration })
            rate = slice.ok / slice.durationSec
          }
          const count = 'amount' in load ? load.amount : Math.max(connections * 10, Math.round((rate ?? 0) * load.durationSec))
          // A few spare codes: autocannon may prepare one more request per connection than it sends.
          const pool = await issueCodes(emulator, count + connections * 2)
          return { request: loginRequest(path, codeDispenser(pool)), load: { connections, amount: count } }
        },
      })
    }
    await measure('login', loginPlans, (target) => (target === 'sqlite' || target === 'redis' ? `login-ceiling-${target}` : target))
  } finally {
    try {
      if (targets) redisKeysDeleted = (await targets.close()).redisKeysDeleted
    } finally {
      await emulator.close()
    }
  }
  return { mode, connections, runs, problems, notes, redisKeyPrefix, redisKeysDeleted }
}
