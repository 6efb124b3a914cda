/**
 * A Platform and a SessionServer for property-based runs of the real client.
 * Every asynchronous call is held until the run says how it ends, so a run can
 * answer calls in any order, late (after the client gave up on them) or never.
 *
 * Where WeChat documents a behaviour, the fake keeps it: `wx.login` and
 * `wx.request` fail by themselves once their `timeout` has passed (WeChat's
 * `login:fail timeout` / `request:fail timeout`), storage is synchronous and
 * keeps copies. `wx.checkSession` and the developer server have no such
 * deadline, so their answers can arrive arbitrarily late.
 *
 * Storage also audits every write: a value that is not a whole session is
 * recorded in `storageViolations` (throwing would be swallowed by the client
 * as a storage error and hide the problem).
 */
import { LoginError } from '../../../src/contract/index.ts'
import type { Platform, PlatformRequestOptions, PlatformResponse } from '../../../src/platform/types.ts'
import type { Session, SessionServer } from '../../../src/client/http-session-server/types.ts'

export type HeldStep = 'checkWxSession' | 'wxLogin' | 'checkServerSession' | 'serverLogin' | 'serverLogout' | 'request'

export const HELD_STEPS: readonly HeldStep[] = ['checkWxSession', 'wxLogin', 'checkServerSession', 'serverLogin', 'serverLogout', 'request']

/** WeChat's default `wx.request` timeout is 60 s; the platform adapters use 10 s. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000

export interface HeldCall {
  readonly id: number
  readonly step: HeldStep
  readonly input: unknown
  /** Answered, or failed by its own timeout. */
  settled: boolean
  /** The client that made the call has moved past it (logged out, relaunched). */
  abandoned: boolean
  resolve(value: unknown): void
  reject(error: unknown): void
}

export interface StoredValueAudit {
  key: string
  value: unknown
  reason: string
}

export interface HeldServices {
  platform: Platform
  server: SessionServer
  calls: HeldCall[]
  pending(step?: HeldStep): HeldCall[]
  /** Every token the fake developer server handed out (plus seeded ones). */
  issuedTokens: Set<string>
  /** Raw storage contents, by key. */
  storage: Map<string, unknown>
  storageViolations: StoredValueAudit[]
  /** `setStorageSync` throws as a full storage does. */
  storageFull: boolean
  /** `getStorageSync` throws. */
  storageReadFails: boolean
  /** Writes that threw because the storage was full. */
  failedWrites: number
  /** Answers every pending and future call with a healthy outcome. */
  beHealthy(): void
  /** The Authorization header of every `request()` that reached the platform. */
  requestTokens: string[]
  /** Issues a session as the developer server would. */
  issueSession(ttlMs: number): Session
  /** Whether the developer server accepts this session now (it issued it, and it has not expired in its time). */
  isLive(session: Session): boolean
  /** Platform requests of the app and of the login running now, most at once so far. */
  readonly requestsInFlight: number
  peakRequestsInFlight: number
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value)
}

/** Why a stored value is not a whole session, or `undefined` when it is one. */
export function incompleteSessionReason(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not an object'
  const record = value as Record<string, unknown>
  if (typeof record['token'] !== 'string' || record['token'].length === 0) return 'no token'
  if (!isFiniteNumber(record['expiresAt'])) return 'no expiresAt'
  if ('confirmedAt' in record && !isFiniteNumber(record['confirmedAt'])) return 'a confirmedAt that is not a number'
  return undefined
}

let tokenCounter = 0
let codeCounter = 0

export function createHeldServices(options: { now: () => number }): HeldServices {
  const calls: HeldCall[] = []
  const storage = new Map<string, unknown>()
  const issuedTokens = new Set<string>()
  const requestTokens: string[] = []
  let healthy = false

  /** As the reference server answers: the expiry in the server's time, and the life left. */
  function issueSession(ttlMs: number): Session {
    tokenCounter += 1
    const token = `held-token-${tokenCounter}`
    issuedTokens.add(token)
    return { token, expiresAt: options.now() + ttlMs, expiresIn: ttlMs }
  }

  function isLive(session: Session): boolean {
    return issuedTokens.has(session.token) && session.expiresAt > options.now()
  }

  /** The answer a healthy service gives. */
  function healthyAnswer(call: HeldCall): void {
    switch (call.step) {
      case 'checkWxSession':
      case 'serverLogout':
        call.resolve(undefined)
        return
      case 'wxLogin':
        codeCounter += 1
        call.resolve({ code: `held-code-${codeCounter}` })
        return
      case 'checkServerSession':
        call.resolve(isLive(call.input as Session))
        return
      case 'serverLogin':
        call.resolve(issueSession(24 * 60 * 60 * 1000))
        return
      case 'request':
        call.resolve({ statusCode: 200, data: { ok: true }, header: {} } satisfies PlatformResponse)
        return
    }
  }

  function hold<T>(step: HeldStep, input: unknown, timeoutMs?: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined
      const call: HeldCall = {
        id: calls.length + 1,
        step,
        input,
        settled: false,
        abandoned: false,
        resolve(value) {
          if (call.settled) return
          call.settled = true
          clearTimeout(timer)
          resolve(value as T)
        },
        reject(error) {
          if (call.settled) return
          call.settled = true
          clearTimeout(timer)
          reject(error)
        },
      }
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => call.reject(new LoginError('timeout', `${step} failed by itself after ${timeoutMs} ms`)), timeoutMs)
      }
      calls.push(call)
      if (healthy) healthyAnswer(call)
    })
  }

  const services: HeldServices = {
    calls,
    storage,
    issuedTokens,
    requestTokens,
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
    beHealthy() {
      healthy = true
      services.storageFull = false
      services.storageReadFails = false
      for (const call of services.pending()) healthyAnswer(call)
    },
    platform: {
      login: (opts) => hold('wxLogin', opts, opts.timeout),
      checkSession: () => hold('checkWxSession', undefined),
      request: (opts: PlatformRequestOptions) => {
        const auth = opts.header?.['Authorization']
        if (auth !== undefined) requestTokens.push(auth)
        const answer = hold<PlatformResponse>('request', opts, opts.timeout ?? DEFAULT_REQUEST_TIMEOUT_MS)
        services.peakRequestsInFlight = Math.max(services.peakRequestsInFlight, services.requestsInFlight)
        return answer
      },
      storage: {
        get(key) {
          if (services.storageReadFails) throw new LoginError('storage_error', 'getStorageSync:fail storage is corrupt')
          return structuredClone(storage.get(key))
        },
        set(key, value) {
          const reason = incompleteSessionReason(value)
          if (reason !== undefined) services.storageViolations.push({ key, value, reason })
          if (services.storageFull) {
            services.failedWrites += 1
            throw new LoginError('storage_error', 'setStorageSync:fail exceed storage max size 10MB')
          }
          storage.set(key, structuredClone(value))
        },
        remove(key) {
          storage.delete(key)
        },
      },
    },
    server: {
      login: (code) => hold('serverLogin', code),
      check: (session) => hold('checkServerSession', session),
      logout: (session) => hold('serverLogout', session),
    },
  }
  return services
}
