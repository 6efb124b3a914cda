/**
 * The tests' one fake of what the client talks to: a Platform (`wx.login`,
 * `wx.checkSession`, `wx.request`, storage) and a developer server
 * (`SessionServer`). Every call is recorded. A step answers at once, as its
 * entry in `answers` says (healthy by default), or, when the test holds it,
 * waits until the test answers that call: in any order, late (after the
 * client gave up on it) or never.
 *
 * Where WeChat documents a behaviour the fake keeps it: storage is
 * synchronous and keeps copies, and with `wechatTimeouts` a held `wx.login`
 * or `wx.request` fails by itself once its `timeout` has passed
 * (`login:fail timeout` / `request:fail timeout`). `wx.checkSession` and the
 * developer server have no such deadline.
 *
 * Storage audits every write: a value that is not a whole session is recorded
 * in `storageViolations` (throwing would be swallowed by the client as a
 * storage error and hide the problem).
 */
import { LoginError } from '../../../src/contract/index.ts'
import type { Platform, PlatformRequestOptions, PlatformResponse } from '../../../src/platform/types.ts'
import type { Session, SessionServer } from '../../../src/client/http-session-server/types.ts'
import { incompleteSessionReason } from './stored-session.ts'

export { deferred, never, type Deferred } from './deferred.ts'
export { incompleteSessionReason } from './stored-session.ts'

export const HOUR = 3_600_000

/** WeChat's default `wx.request` timeout is 60 s; the platform adapters use 10 s. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000

/** What the fake answers, one entry per step; a step's name is the login machine's name for it where it has one. */
export interface ServiceAnswers {
  readSession: (key: string) => unknown
  storageSet: (key: string, value: unknown) => void
  storageRemove: (key: string) => void
  checkWxSession: () => void | Promise<void>
  wxLogin: (opts: { timeout: number }) => { code: string } | Promise<{ code: string }>
  request: (options: PlatformRequestOptions) => PlatformResponse | Promise<PlatformResponse>
  serverLogin: (code: string) => Session | Promise<Session>
  checkServerSession: (session: Session) => boolean | Promise<boolean>
  serverLogout: (session: Session) => void | Promise<void>
}

export type ServiceStep = keyof ServiceAnswers

/** The steps a test can hold: every one but the storage writes, which WeChat makes synchronous. */
export type HeldStep = Exclude<ServiceStep, 'storageSet' | 'storageRemove'>

/** The steps the property runs hold and answer (reading storage stays synchronous there). */
export const ASYNC_STEPS: readonly HeldStep[] = [
  'checkWxSession',
  'wxLogin',
  'checkServerSession',
  'serverLogin',
  'serverLogout',
  'request',
]

export interface ServiceCall {
  readonly id: number
  readonly step: ServiceStep
  readonly input: unknown
  /** Answered, failed, or failed by its own timeout. */
  settled: boolean
  /** The client that made the call has moved past it (logged out, relaunched). */
  abandoned: boolean
  /** Answers a held call; a call already settled ignores it. */
  resolve(value: unknown): void
  reject(error: unknown): void
}

export interface StoredValueAudit {
  key: string
  value: unknown
  reason: string
}

export interface ServicesOptions {
  /** Replaces the healthy answer of these steps. */
  answers?: Partial<ServiceAnswers>
  /** Steps whose every call waits until the test answers it (or `beHealthy()` is called). */
  hold?: readonly HeldStep[]
  /** A held `wx.login` or `wx.request` fails by itself once its timeout has passed, as WeChat's do. */
  wechatTimeouts?: boolean
  /** The developer server's clock, for the sessions it issues. Default `Date.now`. */
  now?: () => number
  /** The life of a session the healthy server issues. Default one hour. */
  sessionTtlMs?: number
  /** The server's check accepts only sessions it issued that have not expired; by default it accepts every session. */
  acceptOnlyIssuedSessions?: boolean
}

export interface FakeServices {
  platform: Platform
  server: SessionServer
  /** How each step answers when it is not held; tests may replace entries at any time. */
  answers: ServiceAnswers
  /** Every call so far, in order. */
  calls: ServiceCall[]
  /** Calls not settled yet, of one step or of all. */
  pending(step?: ServiceStep): ServiceCall[]
  /** Calls of a step so far, whatever became of them. */
  count(step: ServiceStep): number
  /** Answers the one pending call of a step (throws when there is not exactly one). */
  resolve(step: ServiceStep, value: unknown): void
  reject(step: ServiceStep, error: unknown): void
  /** Stops holding every step and answers every pending call with `answers`; storage works again. */
  beHealthy(): void
  /** Raw storage contents, by key. */
  storage: Map<string, unknown>
  storageViolations: StoredValueAudit[]
  /** `setStorageSync` throws as a full storage does. */
  storageFull: boolean
  /** `getStorageSync` throws. */
  storageReadFails: boolean
  /** Writes that threw because the storage was full. */
  failedWrites: number
  /** Every `request()` that reached the platform. */
  requests: PlatformRequestOptions[]
  /** The Authorization header of every `request()` that reached the platform. */
  requestTokens: string[]
  /** Every session the app asked the server to log out. */
  logouts: Session[]
  /** Every token the fake developer server handed out (plus seeded ones). */
  issuedTokens: Set<string>
  /** Issues a session as the reference server answers: the expiry in the server's time, and the life left. */
  issueSession(ttlMs?: number): Session
  /** Whether the developer server accepts this session now (it issued it, and it has not expired in its time). */
  isLive(session: Session): boolean
  /** Platform requests of the app and of the login running now, and the most at once so far. */
  readonly requestsInFlight: number
  peakRequestsInFlight: number
}

/**
 * For runs that decide every answer themselves (property runs): every
 * asynchronous step held, with WeChat's own timeouts, and a server that keeps
 * the sessions it issued for a day and knows no others.
 */
export const HOLD_EVERY_ANSWER: ServicesOptions = {
  hold: ASYNC_STEPS,
  wechatTimeouts: true,
  sessionTtlMs: 24 * HOUR,
  acceptOnlyIssuedSessions: true,
}

export function createFakeServices(options: ServicesOptions = {}): FakeServices {
  // Read at each call, so fake timers installed later are seen.
  const now = options.now ?? (() => Date.now())
  const calls: ServiceCall[] = []
  const storage = new Map<string, unknown>()
  const issuedTokens = new Set<string>()
  const held = new Set<ServiceStep>(options.hold ?? [])
  let codes = 0
  let tokens = 0

  function isLive(session: Session): boolean {
    return issuedTokens.has(session.token) && session.expiresAt > now()
  }

  function issueSession(ttlMs = options.sessionTtlMs ?? HOUR): Session {
    tokens += 1
    const token = `token-${tokens}`
    issuedTokens.add(token)
    return { token, expiresAt: now() + ttlMs, expiresIn: ttlMs }
  }

  const answers: ServiceAnswers = {
    readSession: (key) => structuredClone(storage.get(key)),
    storageSet: (key, value) => {
      storage.set(key, structuredClone(value))
    },
    storageRemove: (key) => {
      storage.delete(key)
    },
    checkWxSession: () => {},
    wxLogin: () => ({ code: `code-${++codes}` }),
    request: () => ({ statusCode: 200, data: { ok: true } }),
    serverLogin: () => issueSession(),
    checkServerSession: (session) => options.acceptOnlyIssuedSessions !== true || isLive(session),
    serverLogout: () => {},
    ...options.answers,
  }

  function record(
    step: ServiceStep,
    input: unknown,
    settle: { resolve: (value: unknown) => void; reject: (error: unknown) => void },
  ): ServiceCall {
    const call: ServiceCall = {
      id: calls.length + 1,
      step,
      input,
      settled: false,
      abandoned: false,
      resolve(value) {
        if (call.settled) return
        call.settled = true
        settle.resolve(value)
      },
      reject(error) {
        if (call.settled) return
        call.settled = true
        settle.reject(error)
      },
    }
    calls.push(call)
    return call
  }

  /** A call that waits for the test (or for its own WeChat timeout). */
  function hold<T>(step: ServiceStep, input: unknown, timeoutMs: number | undefined): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined
      const call = record(step, input, {
        resolve: (value) => {
          clearTimeout(timer)
          resolve(value as T)
        },
        reject: (error) => {
          clearTimeout(timer)
          reject(error)
        },
      })
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => call.reject(new LoginError('timeout', `${step} failed by itself after ${timeoutMs} ms`)), timeoutMs)
      }
    })
  }

  /**
   * A call the fake answers itself. The answer's own promise is handed back
   * (not a copy), so a test sees the same timing as when it answers directly.
   */
  function answerNow<T>(step: ServiceStep, input: unknown, answer: () => T | Promise<T>): Promise<T> {
    const call = record(step, input, { resolve: () => {}, reject: () => {} })
    let result: T | Promise<T>
    try {
      result = answer()
    } catch (error) {
      call.reject(error)
      return Promise.reject(error)
    }
    const promise = result instanceof Promise ? result : Promise.resolve(result)
    promise.then(
      (value) => call.resolve(value),
      (error: unknown) => call.reject(error),
    )
    return promise
  }

  function asyncStep<T>(step: HeldStep, input: unknown, answer: () => T | Promise<T>, timeoutMs?: number): Promise<T> {
    if (held.has(step)) return hold<T>(step, input, options.wechatTimeouts === true ? timeoutMs : undefined)
    return answerNow(step, input, answer)
  }

  /** A synchronous storage call, recorded as settled. */
  function syncStep<T>(step: ServiceStep, input: unknown, answer: () => T): T {
    const call = record(step, input, { resolve: () => {}, reject: () => {} })
    try {
      const value = answer()
      call.resolve(value)
      return value
    } catch (error) {
      call.reject(error)
      throw error
    }
  }

  function healthyAnswer(call: ServiceCall): void {
    const input = call.input
    const answer = (): unknown => {
      switch (call.step) {
        case 'readSession':
          return answers.readSession(input as string)
        case 'storageSet':
        case 'storageRemove':
          return undefined
        case 'checkWxSession':
          return answers.checkWxSession()
        case 'wxLogin':
          return answers.wxLogin(input as { timeout: number })
        case 'request':
          return answers.request(input as PlatformRequestOptions)
        case 'serverLogin':
          return answers.serverLogin(input as string)
        case 'checkServerSession':
          return answers.checkServerSession(input as Session)
        case 'serverLogout':
          return answers.serverLogout(input as Session)
      }
    }
    Promise.resolve()
      .then(answer)
      .then(
        (value) => call.resolve(value),
        (error: unknown) => call.reject(error),
      )
  }

  function only(step: ServiceStep): ServiceCall {
    const open = services.pending(step)
    if (open.length !== 1) throw new Error(`expected exactly one pending ${step} call, found ${open.length}`)
    return open[0] as ServiceCall
  }

  const services: FakeServices = {
    answers,
    calls,
    storage,
    issuedTokens,
    requests: [],
    requestTokens: [],
    logouts: [],
    storageViolations: [],
    storageFull: false,
    storageReadFails: false,
    failedWrites: 0,
    issueSession,
    isLive,
    get requestsInFlight() {
      return calls.filter((call) => call.step === 'request' && !call.settled && !call.abandoned).length
    },
    peakRequestsInFlight: 0,
    pending: (step) => calls.filter((call) => !call.settled && (step === undefined || call.step === step)),
    count: (step) => calls.filter((call) => call.step === step).length,
    resolve: (step, value) => only(step).resolve(value),
    reject: (step, error) => only(step).reject(error),
    beHealthy() {
      held.clear()
      services.storageFull = false
      services.storageReadFails = false
      for (const call of services.pending()) healthyAnswer(call)
    },
    platform: {
      checkSession: () => asyncStep('checkWxSession', undefined, () => answers.checkWxSession()),
      login: (opts) => asyncStep('wxLogin', opts, () => answers.wxLogin(opts), opts.timeout),
      request: (opts) => {
        services.requests.push(opts)
        const auth = opts.header?.['Authorization']
        if (auth !== undefined) services.requestTokens.push(auth)
        const answer = asyncStep('request', opts, () => answers.request(opts), opts.timeout ?? DEFAULT_REQUEST_TIMEOUT_MS)
        services.peakRequestsInFlight = Math.max(services.peakRequestsInFlight, services.requestsInFlight)
        return answer
      },
      storage: {
        get(key) {
          if (services.storageReadFails) throw new LoginError('storage_error', 'getStorageSync:fail storage is corrupt')
          // Held, the read answers a promise: a storage that is slow or hangs, which the client must survive too.
          if (held.has('readSession')) return hold('readSession', key, undefined)
          return syncStep('readSession', key, () => answers.readSession(key))
        },
        set(key, value) {
          const reason = incompleteSessionReason(value)
          if (reason !== undefined) services.storageViolations.push({ key, value, reason })
          syncStep('storageSet', { key, value }, () => {
            if (services.storageFull) {
              services.failedWrites += 1
              throw new LoginError('storage_error', 'setStorageSync:fail exceed storage max size 10MB')
            }
            answers.storageSet(key, value)
          })
        },
        remove(key) {
          syncStep('storageRemove', key, () => answers.storageRemove(key))
        },
      },
    },
    server: {
      login: (code) => asyncStep('serverLogin', code, () => answers.serverLogin(code)),
      check: (session) => asyncStep('checkServerSession', session, () => answers.checkServerSession(session)),
      logout: (session) => {
        services.logouts.push(session)
        return asyncStep('serverLogout', session, () => answers.serverLogout(session))
      },
    },
  }
  return services
}
