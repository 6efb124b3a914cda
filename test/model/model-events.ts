/**
 * The outcomes the model explores: for each invoked step, every kind of
 * answer the real services can give; for each delay, its expiry.
 */
import type { LoginEffects, StoredSession } from '../../machines/index.ts'
import { LoginError } from '../../src/contract/index.ts'
import type { Session } from '../../src/client/http-session-server/types.ts'

/** Generation and runs share this clock origin (runs fake the clock at it; generation reads it from the effects below). */
export const MODEL_NOW = Date.UTC(2026, 2, 1, 8)
/**
 * Stored sessions, as the client reads them back: with the offset to server
 * time they were stored with (0: the device's clock was right), so their
 * expiry can be judged; one without, from an older app version, cannot.
 */
export const LIVE_SESSION: StoredSession = { token: 'stored-token', expiresAt: Date.UTC(2100, 0, 1), serverOffsetMs: 0 }
/** A live session the server confirmed a second ago: inside the model's server-check window. */
export const CONFIRMED_SESSION: StoredSession = {
  token: 'confirmed-token',
  expiresAt: Date.UTC(2100, 0, 1),
  confirmedAt: MODEL_NOW - 1_000,
  serverOffsetMs: 0,
}
export const EXPIRED_SESSION: StoredSession = { token: 'expired-token', expiresAt: MODEL_NOW - 60_000, serverOffsetMs: 0 }
/** Expired by this device's clock, but stored without an offset: the server judges it. */
export const UNJUDGED_SESSION: StoredSession = { token: 'unjudged-token', expiresAt: MODEL_NOW - 60_000 }
export const FRESH_SESSION: Session = { token: 'fresh-token', expiresAt: Date.UTC(2100, 0, 1) }
export const LOGIN_CODE = 'code-from-wx-login'

/** What the paths are generated with: the machine's clock stands at MODEL_NOW and the jitter in the middle. */
const MODEL_EFFECTS: LoginEffects = {
  readSession: () => Promise.resolve(null),
  checkWxSession: () => Promise.resolve(),
  checkServerSession: () => Promise.resolve(true),
  prefetchServerCheck: () => {},
  wxLogin: () => Promise.resolve({ code: LOGIN_CODE }),
  serverLogin: () => Promise.resolve(FRESH_SESSION),
  persistSession: () => {},
  clearSession: () => {},
  notifyServerLogout: () => {},
  reportReadTimeout: () => {},
  now: () => MODEL_NOW,
  random: () => 0.5,
}

/** Small, distinct values, so a timer that fires in a run can only be the one meant. */
export const MODEL_OPTIONS = {
  timeouts: { readSession: 100, checkWxSession: 200, checkServerSession: 300, wxLogin: 400, serverLogin: 500 },
  retry: { attempts: 2, baseDelayMs: 20, maxDelayMs: 1_000 },
  serverCheckWindowMs: 60_000,
}

export const MODEL_INPUT = { ...MODEL_OPTIONS, effects: MODEL_EFFECTS }

export type ModelEvent =
  | { type: 'START' | 'RETRY' | 'REFRESH' | 'SESSION_EXPIRED' | 'LOGOUT' }
  | { type: `xstate.done.actor.${string}`; output?: unknown }
  | { type: `xstate.error.actor.${string}`; error: unknown }
  | { type: `xstate.after.${string}` }

export const MODEL_EVENTS: ModelEvent[] = [
  { type: 'xstate.done.actor.readSession', output: LIVE_SESSION },
  { type: 'xstate.done.actor.readSession', output: CONFIRMED_SESSION },
  { type: 'xstate.done.actor.readSession', output: EXPIRED_SESSION },
  { type: 'xstate.done.actor.readSession', output: UNJUDGED_SESSION },
  { type: 'xstate.done.actor.readSession', output: null },
  { type: 'xstate.error.actor.readSession', error: new LoginError('storage_error') },
  { type: 'xstate.done.actor.checkWxSession' },
  { type: 'xstate.error.actor.checkWxSession', error: new LoginError('session_expired', 'checkSession:fail session time out') },
  { type: 'xstate.error.actor.checkWxSession', error: new LoginError('network') },
  { type: 'xstate.done.actor.checkServerSession', output: true },
  { type: 'xstate.done.actor.checkServerSession', output: false },
  { type: 'xstate.error.actor.checkServerSession', error: new LoginError('network') },
  { type: 'xstate.error.actor.checkServerSession', error: new LoginError('invalid_response') },
  { type: 'xstate.done.actor.wxLogin', output: { code: LOGIN_CODE } },
  { type: 'xstate.error.actor.wxLogin', error: new LoginError('wx_login_failed') },
  { type: 'xstate.done.actor.serverLogin', output: FRESH_SESSION },
  { type: 'xstate.error.actor.serverLogin', error: new LoginError('invalid_code') },
  { type: 'xstate.error.actor.serverLogin', error: new LoginError('code_used') },
  { type: 'xstate.error.actor.serverLogin', error: new LoginError('high_risk_user') },
  { type: 'xstate.error.actor.serverLogin', error: new LoginError('network') },
  { type: 'xstate.error.actor.serverLogin', error: new LoginError('rate_limited', undefined, { retryAfterMs: 60_000 }) },
]
