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

export interface LoginMachineInput {
  timeouts?: Partial<StepTimeouts>
  retry?: Partial<RetryPolicy>
  /**
   * At launch, skip the developer-server check when the server confirmed the
   * stored session less than this many ms ago (`wx.checkSession` still runs).
   * 0, the default, asks the server every time, as the seed's flow does.
   */
  serverCheckWindowMs?: number
}

/** What storage holds: the session and when the developer server last confirmed it. */
export interface StoredSession extends Session {
  /** Ms since the epoch of the last login or successful server check. */
  confirmedAt?: number
}

export interface LoginContext {
  /** The developer server's session, once known. Never WeChat's `session_key`. */
  session: Session | null
  /** When the developer server last confirmed `session` (ms since the epoch). */
  confirmedAt: number | null
  /** See `LoginMachineInput.serverCheckWindowMs`. */
  serverCheckWindowMs: number
  /** The `wx.login` code between `wxLogin` and `serverLogin`. */
  code: string | null
  /** Why the last step failed; kept in `failed`. */
  error: LoginError | null
  /** Which try of the current step this is, from 1. */
  attempt: number
  /** How many times this flow went back to `wxLogin` because the server refused the code. */
  freshCodeRetries: number
  timeouts: StepTimeouts
  retry: RetryPolicy
}

/** What the outside world tells the machine. Actor results arrive as XState's own done/error events. */
export type LoginEvent = { type: 'START' } | { type: 'RETRY' } | { type: 'REFRESH' } | { type: 'SESSION_EXPIRED' } | { type: 'LOGOUT' }

export type LoginStateName =
  'idle' | 'checkingStorage' | 'checkingWx' | 'checkingServer' | 'wxLogin' | 'serverLogin' | 'authenticated' | 'failed'
