import type { LoginError, Session } from '../src/contract/index.ts'

/** The steps the machine invokes, each with its own timeout. */
export type LoginStep = 'readSession' | 'checkWxSession' | 'checkServerSession' | 'wxLogin' | 'serverLogin'

export type StepTimeouts = Record<LoginStep, number>

export interface RetryPolicy {
  /** Tries per step, the first included. */
  attempts: number
  /** The first backoff; each further retry doubles it. */
  baseDelayMs: number
  /** No backoff is longer than this. */
  maxDelayMs: number
}

/**
 * Production defaults. Storage is local and fast; `wx.checkSession` and
 * `wx.login` are local calls into the WeChat client that normally answer in
 * well under a second; the developer-server login also waits on WeChat's
 * code2Session, so it gets the most room. Three tries with a 500 ms doubling
 * backoff keep `wx.login` far below the few-calls-a-second WeChat tolerates.
 */
export const DEFAULT_STEP_TIMEOUTS: StepTimeouts = {
  readSession: 1_000,
  checkWxSession: 5_000,
  checkServerSession: 10_000,
  wxLogin: 10_000,
  serverLogin: 15_000,
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  attempts: 3,
  baseDelayMs: 500,
  maxDelayMs: 8_000,
}

/**
 * `wx.login` is handed its timeout and owns that deadline: WeChat's client (or
 * the platform adapter) fails the call with `timeout` when it passes. The
 * machine's own timer for the step fires this much later, only for a platform
 * that breaks its promise to settle in time.
 */
export const PLATFORM_GRACE_MS = 1_000

/** What storage holds: the session and when the developer server last confirmed it. */
export interface StoredSession extends Session {
  /** Server time (ms since the epoch) of the last login or successful server check. */
  confirmedAt?: number
  /**
   * Server time minus device time when the session was stored. Without it the
   * expiry and `confirmedAt` cannot be compared with this device's clock, so
   * the session is neither thrown away nor trusted without asking the server.
   */
  serverOffsetMs?: number
}

/** The part of XState's `AbortSignal` a step reads: set once the machine stopped waiting for the step. */
export interface StopSignal {
  readonly aborted: boolean
}

/**
 * Everything the machine does to the world, and its clock and jitter source.
 * The client passes one per actor through the machine's input, so one machine
 * definition serves every client (no `provide()` per client). The machine
 * itself reads no clock and no random source: only these.
 */
export interface LoginEffects {
  /** The stored session, `null` when there is none or it is not a session; rejects when storage fails. */
  readSession(): Promise<StoredSession | null>
  /** `wx.checkSession`: resolves while WeChat's session is alive, rejects when it expired. */
  checkWxSession(): Promise<void>
  /** Starts the server check early, beside `wx.checkSession`; the next `checkServerSession` of that session takes its answer. */
  prefetchServerCheck(session: Session): void
  /** Asks the developer server: `true` valid, `false` expired; rejects on failure. */
  checkServerSession(session: Session): Promise<boolean>
  /** `wx.login`: a one-time code. `signal` aborts when the machine no longer waits for it. */
  wxLogin(input: { timeout: number; signal: StopSignal }): Promise<{ code: string }>
  /** Trades the code for a live developer-server session. `signal` as for `wxLogin`. */
  serverLogin(input: { code: string; signal: StopSignal }): Promise<Session>
  /** Writes the session to storage; must not throw. */
  persistSession(session: StoredSession): void
  /** Removes the stored session; must not throw. */
  clearSession(): void
  /** Tells the developer server the session is over, if it can; must not throw. */
  notifyServerLogout(session: Session | null): void
  /** Storage did not answer the read in time; must not throw. */
  reportReadTimeout(error: LoginError): void
  /** The developer server's time now, in ms since the epoch, as the client estimates it. */
  now(): number
  /** A number in [0, 1), for the backoff's jitter. */
  random(): number
}

export interface LoginMachineInput {
  /** What the machine does to the world. Without them every step fails and no time-based judgement passes. */
  effects?: LoginEffects
  timeouts?: Partial<StepTimeouts>
  retry?: Partial<RetryPolicy>
  /**
   * At launch, skip the developer-server check when the server confirmed the
   * stored session less than this many ms ago (`wx.checkSession` still runs).
   * 0, the default, asks the server every time, as the seed's flow does.
   */
  serverCheckWindowMs?: number
}

export interface LoginContext {
  /** The developer server's session, once known. Never WeChat's `session_key`. Its `expiresAt` is server time. */
  session: Session | null
  /** Server time at which the developer server last confirmed `session`. */
  confirmedAt: number | null
  /** See `LoginMachineInput.serverCheckWindowMs`. */
  serverCheckWindowMs: number
  /** The `wx.login` code between `wxLogin` and `serverLogin`. */
  code: string | null
  /**
   * Why the last step failed; kept in `failed`. In `authenticated` it is
   * `null`, unless the last `REFRESH` failed without the session being gone.
   */
  error: LoginError | null
  /** Which try of the current step this is, from 1. */
  attempt: number
  /** How many times this flow went back to `wxLogin` because the server refused the code. */
  freshCodeRetries: number
  /** The flow re-checks a live session (`REFRESH`): a failure that does not say the session is gone keeps it. */
  refreshing: boolean
  timeouts: StepTimeouts
  retry: RetryPolicy
  effects: LoginEffects
}

/** What the outside world tells the machine. Actor results arrive as XState's own done/error events. */
export type LoginEvent = { type: 'START' } | { type: 'RETRY' } | { type: 'REFRESH' } | { type: 'SESSION_EXPIRED' } | { type: 'LOGOUT' }

export type LoginStateName =
  'idle' | 'checkingStorage' | 'checkingWx' | 'checkingServer' | 'wxLogin' | 'serverLogin' | 'authenticated' | 'failed'
