/**
 * In-process WeChat and developer server for the client benchmarks: a
 * `Platform` (one device) and a `SessionServer` whose answers arrive after a
 * `setTimeout` latency, with a count of every call.
 *
 * They keep WeChat's documented rules, so a flow that cheats fails:
 * - `wx.login` issues a new code, valid once and for five minutes, and
 *   (re)starts the user's WeChat session;
 * - `wx.checkSession` succeeds only while that session is alive, and fails
 *   the way `wechatPlatform` reports it (`LoginError('unauthorized')`);
 * - a server login runs code2Session, which refuses an unknown or old code
 *   (`invalid_code`) and a used one (`code_used`);
 * - the developer server answers `check` and API requests from its own
 *   session table (401 `session_expired` for a token it does not know).
 *
 * With zero latency an answer needs no timer at all, only a resolved
 * promise, so the orchestration itself is what is measured.
 */
import { LoginError } from '../src/contract/index.ts'
import type { Platform, PlatformRequestOptions, PlatformResponse, PlatformStorage } from '../src/platform/types.ts'
import type { Session, SessionServer } from '../src/client/http-session-server/types.ts'
import { NO_LATENCY, type SimulatedLatency } from './config.ts'

export interface ServiceCounts {
  wxLogin: number
  checkSession: number
  /** `POST /auth/session` */
  serverCheck: number
  /** `POST /auth/login` */
  serverLogin: number
  /** The developer server's calls to WeChat, one per server login. */
  code2Session: number
  /** Requests of the app's own API (through `request()`). */
  apiRequest: number
  serverLogout: number
}

export interface SimulatedServices {
  platform: Platform
  server: SessionServer
  /** Live counts since creation or the last `resetCounts()`. */
  readonly counts: Readonly<ServiceCounts>
  resetCounts(): void
  setLatency(latency: SimulatedLatency): void
  /** What the device's storage holds. */
  readonly storage: Map<string, unknown>
  /** WeChat ends the user's session: `wx.checkSession` fails until the next `wx.login`. */
  expireWechatSession(): void
  /** The developer server forgets every session (revoked, or its store was wiped). */
  revokeServerSessions(): void
  /** Whether the developer server would accept this token now. */
  isServerSessionValid(token: string): boolean
  /** The most `wx.request` calls that were ever in flight at once. */
  readonly peakRequestsInFlight: number
}

/** `wx.request`'s slots: at most `size` calls run, the rest wait in the order they came. */
function createSlots(size: number) {
  let busy = 0
  let peak = 0
  const waiting: Array<() => void> = []
  return {
    get peak() {
      return peak
    },
    async run<T>(call: () => Promise<T>): Promise<T> {
      if (busy >= size) await new Promise<void>((resolve) => waiting.push(resolve))
      busy += 1
      peak = Math.max(peak, busy)
      try {
        return await call()
      } finally {
        busy -= 1
        waiting.shift()?.()
      }
    },
  }
}

/** WeChat's limits, when the simulation should keep them (the unlimited world has none). */
export interface WechatLimits {
  /** `wx.request` calls in flight at once (WeChat: 10, shared with uploads and downloads); more wait for a slot. */
  requestSlots: number
  /** code2Session calls per user per minute (WeChat: 100); past it WeChat answers 45011 and the login fails. */
  code2SessionPerMinute: number
}

export const WECHAT_LIMITS: Readonly<WechatLimits> = Object.freeze({ requestSlots: 10, code2SessionPerMinute: 100 })

export interface SimulatedServicesOptions {
  latency?: SimulatedLatency
  /** Lifetime of a developer-server session. Default 7 days. */
  sessionTtlMs?: number
  now?: () => number
  /** Keep WeChat's limits on `wx.request` and code2Session; none by default. */
  limits?: WechatLimits
}

export const CODE_TTL_MS = 5 * 60 * 1000

/** The app's own API behind the developer server: 200 with a valid token, else 401 `session_expired`. */
export const API_URL = 'https://api.example.invalid/profile'
const DEFAULT_SESSION_TTL_MS = 7 * 24 * 60 * 60 * 1000

export function emptyCounts(): ServiceCounts {
  return { wxLogin: 0, checkSession: 0, serverCheck: 0, serverLogin: 0, code2Session: 0, apiRequest: 0, serverLogout: 0 }
}

/** Calls that leave the mini-program's JavaScript and wait for an answer. */
export function roundTripsOf(counts: ServiceCounts): number {
  return counts.wxLogin + counts.checkSession + counts.serverCheck + counts.serverLogin + counts.apiRequest + counts.serverLogout
}

/** The time the simulated services alone account for when these calls run one after another. */
export function sequentialLatencyOf(counts: ServiceCounts, latency: SimulatedLatency): number {
  return (
    counts.wxLogin * latency.wxLoginMs +
    counts.checkSession * latency.checkSessionMs +
    (counts.serverCheck + counts.serverLogin + counts.apiRequest + counts.serverLogout) * latency.serverMs +
    counts.code2Session * latency.code2SessionMs
  )
}

function wait(ms: number): Promise<void> {
  return ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms))
}

/** Values go in and come out as copies, as `wx.setStorageSync` keeps them. */
function copyOf(value: unknown): unknown {
  return typeof value === 'object' && value !== null ? JSON.parse(JSON.stringify(value)) : value
}

function bearerTokenOf(header: Record<string, string> | undefined): string | undefined {
  if (!header) return undefined
  for (const [name, value] of Object.entries(header)) {
    if (name.toLowerCase() !== 'authorization') continue
    const match = /^Bearer (\S+)$/.exec(value)
    return match?.[1]
  }
  return undefined
}

interface IssuedCode {
  issuedAt: number
  used: boolean
}

export function createSimulatedServices(options: SimulatedServicesOptions = {}): SimulatedServices {
  const now = options.now ?? Date.now
  const sessionTtlMs = options.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS
  let latency: SimulatedLatency = { ...(options.latency ?? NO_LATENCY) }
  let counts = emptyCounts()
  let sequence = 0
  const { limits } = options
  // Every request to the developer server is a wx.request: login, check, logout and the app's own.
  const slots = createSlots(limits?.requestSlots ?? Number.POSITIVE_INFINITY)
  const code2SessionCalls: number[] = []

  const storage = new Map<string, unknown>()
  const codes = new Map<string, IssuedCode>()
  /** token → expiresAt */
  const sessions = new Map<string, number>()
  let wechatSessionAlive = false

  function isServerSessionValid(token: string): boolean {
    const expiresAt = sessions.get(token)
    return expiresAt !== undefined && expiresAt > now()
  }

  /** The server side of a request: half the round trip there, the work, half back; in a wx.request slot. */
  function atServer<T>(work: () => T | Promise<T>): Promise<T> {
    return slots.run(async () => {
      const there = Math.floor(latency.serverMs / 2)
      await wait(there)
      const result = await work()
      await wait(latency.serverMs - there)
      return result
    })
  }

  /** WeChat's per-user quota on code2Session (one user per simulated device). */
  function withinQuota(): boolean {
    if (!limits) return true
    const minuteAgo = now() - 60_000
    while (code2SessionCalls.length > 0 && (code2SessionCalls[0] ?? 0) <= minuteAgo) code2SessionCalls.shift()
    code2SessionCalls.push(now())
    return code2SessionCalls.length <= limits.code2SessionPerMinute
  }

  /** WeChat's code2Session, as the developer server calls it. */
  async function code2Session(code: string): Promise<void> {
    counts.code2Session++
    await wait(latency.code2SessionMs)
    if (!withinQuota()) throw new LoginError('rate_limited', 'login answered HTTP 429 (code2Session: 45011, too many calls for this user)')
    const issued = codes.get(code)
    if (!issued || now() - issued.issuedAt >= CODE_TTL_MS) throw new LoginError('invalid_code', 'login answered HTTP 401 (invalid_code)')
    if (issued.used) throw new LoginError('code_used', 'login answered HTTP 401 (code_used)')
    issued.used = true
  }

  const deviceStorage: PlatformStorage = {
    get: (key) => copyOf(storage.get(key)),
    set: (key, value) => {
      storage.set(key, copyOf(value))
    },
    remove: (key) => {
      storage.delete(key)
    },
  }

  const platform: Platform = {
    async login() {
      counts.wxLogin++
      await wait(latency.wxLoginMs)
      sequence++
      const code = `code-${sequence}`
      codes.set(code, { issuedAt: now(), used: false })
      wechatSessionAlive = true
      return { code }
    },
    async checkSession() {
      counts.checkSession++
      await wait(latency.checkSessionMs)
      if (!wechatSessionAlive)
        throw new LoginError(
          'unauthorized',
          'wx.checkSession: the WeChat session expired (checkSession:fail session time out, need relogin)',
        )
    },
    storage: deviceStorage,
    async request(opts: PlatformRequestOptions): Promise<PlatformResponse> {
      counts.apiRequest++
      return atServer(() => {
        const token = bearerTokenOf(opts.header)
        if (token === undefined || !isServerSessionValid(token)) {
          return { statusCode: 401, data: { error: 'session_expired' }, header: {} }
        }
        return { statusCode: 200, data: { ok: true }, header: {} }
      })
    },
  }

  const server: SessionServer = {
    async login(code: string): Promise<Session> {
      counts.serverLogin++
      return atServer(async () => {
        await code2Session(code)
        sequence++
        // As the reference server answers: the expiry and the life left.
        const session = { token: `token-${sequence}`, expiresAt: now() + sessionTtlMs, expiresIn: sessionTtlMs }
        sessions.set(session.token, session.expiresAt)
        return session
      })
    },
    async check(session: Session): Promise<boolean> {
      counts.serverCheck++
      return atServer(() => isServerSessionValid(session.token))
    },
    async logout(session: Session): Promise<void> {
      counts.serverLogout++
      await atServer(() => {
        sessions.delete(session.token)
      })
    },
  }

  return {
    platform,
    server,
    get counts() {
      return counts
    },
    resetCounts() {
      counts = emptyCounts()
    },
    setLatency(next) {
      latency = { ...next }
    },
    storage,
    expireWechatSession() {
      wechatSessionAlive = false
    },
    revokeServerSessions() {
      sessions.clear()
    },
    isServerSessionValid,
    get peakRequestsInFlight() {
      return slots.peak
    },
  }
}
