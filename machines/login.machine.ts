/**
 * The login life cycle of a WeChat mini-program as an XState v5 statechart.
 *
 * This file is data: every side effect (storage, `wx.checkSession`,
 * `wx.login`, HTTP to the developer server), the clock and the jitter source
 * are calls on `context.effects`, which the client passes in through the
 * machine's input. One definition serves every client; nothing here reads a
 * clock or a random source of its own. A machine started without effects
 * fails every step and judges nothing live or fresh, instead of pretending
 * to log in.
 */
import { assign, setup } from 'xstate'
import { LoginError, backoffDelay, isLoginError, isSessionShape, toLoginError, type Session } from '../src/contract/index.ts'
import {
  DEFAULT_RETRY_POLICY,
  DEFAULT_STEP_TIMEOUTS,
  PLATFORM_GRACE_MS,
  type LoginContext,
  type LoginEffects,
  type LoginEvent,
  type LoginMachineInput,
  type LoginStep,
  type StoredSession,
} from './login.types.ts'
import { DESCRIPTIONS } from './login.descriptions.ts'
import { fromStep } from './step-actor.ts'

function notProvided(): Promise<never> {
  return Promise.reject(new Error('loginMachine was started without effects in its input'))
}

/** What a machine without effects does: every step fails, every side effect is skipped, time is unknown. */
const NO_EFFECTS: LoginEffects = {
  readSession: notProvided,
  checkWxSession: notProvided,
  checkServerSession: notProvided,
  wxLogin: notProvided,
  serverLogin: notProvided,
  prefetchServerCheck: () => {},
  persistSession: () => {},
  clearSession: () => {},
  notifyServerLogout: () => {},
  reportReadTimeout: () => {},
  // No clock: no expiry and no confirmation can be judged by time.
  now: () => Number.NaN,
  random: () => 0.5,
}

/** An actor's input: what its step needs, and the effects. */
type WithEffects<TStep extends object = object> = TStep & { effects?: LoginEffects }

function effectsOf(input: { effects?: LoginEffects } | null | undefined): LoginEffects {
  return input?.effects ?? NO_EFFECTS
}

function timeoutError(step: LoginStep, ms: number): LoginError {
  return new LoginError('timeout', `${step} did not answer within ${ms} ms`)
}

/**
 * A stored session the machine may go on with: whole, and not expired in
 * server time. One stored without an offset to server time cannot be judged
 * by this device's clock, so it is kept for the server to judge.
 */
function isUsableStoredSession(value: unknown, now: number): value is StoredSession {
  if (!isSessionShape(value)) return false
  return (value as StoredSession).serverOffsetMs === undefined || value.expiresAt > now
}

/** The confirmation stored with a session, when it can be read in server time. */
function confirmationOf(stored: StoredSession): number | null {
  return stored.serverOffsetMs === undefined ? null : (stored.confirmedAt ?? null)
}

/** The server confirmed the session less than the window ago; a confirmation "in the future" (a clock moved back) is not fresh. */
function isConfirmationFresh(context: LoginContext): boolean {
  if (context.confirmedAt === null) return false
  const elapsed = context.effects.now() - context.confirmedAt
  return elapsed >= 0 && elapsed < context.serverCheckWindowMs
}

/** The timeout error of a step, with the deadline the machine waited. */
function stepTimeoutError(context: LoginContext, step: LoginStep): LoginError {
  return timeoutError(step, context.timeouts[step] + (step === 'wxLogin' ? PLATFORM_GRACE_MS : 0))
}

function toSession({ token, expiresAt }: Session): Session {
  return { token, expiresAt }
}

/** The error of an `xstate.error.actor.*` event. */
function errorOf(event: unknown): unknown {
  return (event as { error?: unknown }).error
}

/** The codes that mean "this `wx.login` code is no good, get a fresh one". */
const REJECTED_CODE_ERRORS = new Set(['invalid_code', 'code_used'])

function isRejectedCode(error: unknown): boolean {
  return isLoginError(error) && REJECTED_CODE_ERRORS.has(error.code)
}

/*
 * The three retrying steps (checkingServer, wxLogin, serverLogin) share one
 * shape: `running` invokes the step; a failure or a timeout goes to
 * `retrying` while tries are left, and `retrying` waits out the backoff and
 * runs the step again. These builders return plain data, so the machine
 * config keeps XState's inferred types.
 */

/** `retrying`: wait out the backoff, then try again. */
const RETRYING = { after: { retryBackoff: { target: 'running' } } } as const

/** A try failed: retry while tries are left and the failure is worth it; otherwise the `giveUp` transitions decide. */
function retryOnError<const TGiveUp extends readonly object[]>(...giveUp: TGiveUp) {
  return [{ guard: 'canRetry', target: 'retrying', actions: 'recordErrorForRetry' }, ...giveUp] as const
}

/** A try timed out: retry while tries are left; otherwise the `giveUp` transitions decide. */
function retryOnTimeout<const TStep extends LoginStep, const TGiveUp extends readonly object[]>(step: TStep, ...giveUp: TGiveUp) {
  return [
    { guard: 'hasAttemptsLeft', target: 'retrying', actions: { type: 'recordTimeoutForRetry', params: { step } } },
    ...giveUp,
  ] as const
}

export const loginMachine = setup({
  types: {
    context: {} as LoginContext,
    events: {} as LoginEvent,
    input: {} as LoginMachineInput | undefined,
  },
  // Each actor takes the effects in its input, beside what the step needs. They are optional in
  // the input's type so that `loginMachine.provide({ actors })` still accepts actors that need
  // only the step's own input (as the tools and tests that stand in for WeChat do).
  actors: {
    /** The stored session; `null` when there is none or it is corrupt. */
    readSession: fromStep<StoredSession | null, WithEffects | null>(({ input }) => effectsOf(input).readSession()),
    /** `wx.checkSession`: resolves while WeChat's session is alive, rejects when it expired. */
    checkWxSession: fromStep<void, WithEffects | null>(({ input }) => effectsOf(input).checkWxSession()),
    /** The developer server: `true` valid, `false` expired; rejects on a failure. */
    checkServerSession: fromStep<boolean, WithEffects<{ session: Session }>>(({ input }) =>
      effectsOf(input).checkServerSession(input.session),
    ),
    /** `wx.login`: a one-time code. */
    wxLogin: fromStep<{ code: string }, WithEffects<{ timeout: number }>>(({ input, signal }) =>
      effectsOf(input).wxLogin({ timeout: input.timeout, signal }),
    ),
    /** Trades the code for a developer-server session. */
    serverLogin: fromStep<Session, WithEffects<{ code: string }>>(({ input, signal }) =>
      effectsOf(input).serverLogin({ code: input.code, signal }),
    ),
  },
  guards: {
    isUsableStoredSession: ({ context }, params: { stored: unknown }) => isUsableStoredSession(params.stored, context.effects.now()),
    isServerSessionValid: (_, params: { valid: boolean }) => params.valid,
    /** The server confirmed this session less than `serverCheckWindowMs` ago (0 = always ask it). */
    isServerConfirmationFresh: ({ context }) => isConfirmationFresh(context),
    isRefreshing: ({ context }) => context.refreshing,
    /** A refresh met a failure that does not say the session is gone (a transient one): the session is kept. */
    isRefreshWithTransientFailure: ({ context, event }) => context.refreshing && toLoginError(errorOf(event)).transient,
    hasAttemptsLeft: ({ context }) => context.attempt < context.retry.attempts,
    /** Tries left, a transient failure, and no `Retry-After` longer than our longest backoff. */
    canRetry: ({ context, event }) => {
      if (context.attempt >= context.retry.attempts) return false
      const error = toLoginError(errorOf(event))
      if (!error.transient) return false
      // A server that asks us to wait longer than our longest backoff is not retried:
      // the caller gets `rate_limited` with `retryAfterMs` and decides.
      return (error.retryAfterMs ?? 0) <= context.retry.maxDelayMs
    },
    isRejectedCodeWithFreshCodeLeft: ({ context, event }) => isRejectedCode(errorOf(event)) && context.freshCodeRetries < 1,
    /**
     * The code was refused on a retry that followed a transient failure: the
     * server most likely spent it with WeChat before failing, so the refusal is a
     * consequence of that failure, and the transient error is the one to report.
     */
    isRejectedCodeAfterRetry: ({ context, event }) => isRejectedCode(errorOf(event)) && context.attempt > 1,
  },
  actions: {
    persistSession: ({ context }) => {
      if (context.session)
        context.effects.persistSession({
          ...context.session,
          ...(context.confirmedAt === null ? {} : { confirmedAt: context.confirmedAt }),
        })
    },
    clearSession: ({ context }) => context.effects.clearSession(),
    notifyServerLogout: ({ context }) => context.effects.notifyServerLogout(context.session),
    /** Starts the server check beside `wx.checkSession` when the flow will need it. */
    prefetchServerCheck: ({ context }) => {
      if (context.session && !isConfirmationFresh(context)) context.effects.prefetchServerCheck(context.session)
    },
    reportReadTimeout: ({ context }) => context.effects.reportReadTimeout(timeoutError('readSession', context.timeouts.readSession)),
    beginFlow: assign({ freshCodeRetries: 0, error: null, refreshing: false }),
    /** A refresh asks the server whatever it said recently. */
    beginRefresh: assign({ freshCodeRetries: 0, error: null, refreshing: true, confirmedAt: null }),
    // Each assign copies the context and the snapshot, so what one transition changes is one assign.
    resetAttempts: assign({ attempt: 1 }),
    recordError: assign({ error: ({ event }) => toLoginError(errorOf(event)) }),
    recordErrorForRetry: assign(({ context, event }) => ({ error: toLoginError(errorOf(event)), attempt: context.attempt + 1 })),
    recordTimeout: assign(({ context }, params: { step: LoginStep }) => ({ error: stepTimeoutError(context, params.step) })),
    recordTimeoutForRetry: assign(({ context }, params: { step: LoginStep }) => ({
      error: stepTimeoutError(context, params.step),
      attempt: context.attempt + 1,
    })),
    recordTimeoutAndForgetCode: assign(({ context }, params: { step: LoginStep }) => ({
      error: stepTimeoutError(context, params.step),
      code: null,
    })),
    /** A stored session to go on with, and the server's last confirmation of it. */
    adoptStoredSession: assign((_, params: { stored: StoredSession }) => ({
      session: toSession(params.stored),
      confirmedAt: confirmationOf(params.stored),
    })),
    /** The server said yes: stamped with the server time now. */
    confirmNow: assign(({ context }) => ({ confirmedAt: context.effects.now(), error: null })),
    /** A new session from a server login, confirmed now; its code is spent. */
    storeLoginSession: assign(({ context }, params: { session: Session }) => ({
      session: toSession(params.session),
      confirmedAt: context.effects.now(),
      code: null,
      error: null,
    })),
    forgetSession: assign({ session: null, confirmedAt: null, refreshing: false }),
    /** A new flow that starts from `wx.login`: the session is gone. */
    beginFlowWithoutSession: assign({ freshCodeRetries: 0, error: null, refreshing: false, session: null, confirmedAt: null }),
    /** Logged out: nothing of the session or the flow is kept. */
    forgetAll: assign({ session: null, confirmedAt: null, refreshing: false, code: null, error: null }),
    storeCode: assign({ code: (_, params: { code: string }) => params.code }),
    forgetCode: assign({ code: null }),
    recordErrorAndForgetCode: assign(({ event }) => ({ error: toLoginError(errorOf(event)), code: null })),
    /** The server refused the code: try once more with a fresh one. */
    recordRejectedCode: assign(({ context, event }) => ({
      error: toLoginError(errorOf(event)),
      freshCodeRetries: context.freshCodeRetries + 1,
      code: null,
    })),
  },
  delays: {
    readSessionTimeout: ({ context }) => context.timeouts.readSession,
    checkWxSessionTimeout: ({ context }) => context.timeouts.checkWxSession,
    checkServerSessionTimeout: ({ context }) => context.timeouts.checkServerSession,
    // The platform owns the wx.login deadline; this is the backstop for one that breaks it.
    wxLoginTimeout: ({ context }) => context.timeouts.wxLogin + PLATFORM_GRACE_MS,
    serverLoginTimeout: ({ context }) => context.timeouts.serverLogin,
    retryBackoff: ({ context }) =>
      backoffDelay({
        attempt: context.attempt,
        policy: context.retry,
        retryAfterMs: context.error?.retryAfterMs,
        random: context.effects.random(),
      }),
  },
}).createMachine({
  id: 'login',
  description: DESCRIPTIONS.login,
  context: ({ input }) => ({
    session: null,
    confirmedAt: null,
    code: null,
    error: null,
    attempt: 1,
    freshCodeRetries: 0,
    refreshing: false,
    timeouts: { ...DEFAULT_STEP_TIMEOUTS, ...input?.timeouts },
    retry: { ...DEFAULT_RETRY_POLICY, ...input?.retry },
    serverCheckWindowMs: input?.serverCheckWindowMs ?? 0,
    effects: input?.effects ?? NO_EFFECTS,
  }),
  initial: 'idle',
  on: {
    LOGOUT: {
      target: '.idle',
      actions: ['notifyServerLogout', 'clearSession', 'forgetAll'],
    },
  },
  states: {
    idle: {
      description: DESCRIPTIONS.idle,
      on: { START: { target: 'checkingStorage', actions: 'beginFlow' } },
    },

    checkingStorage: {
      description: DESCRIPTIONS.checkingStorage,
      invoke: {
        id: 'readSession',
        src: 'readSession',
        input: ({ context }) => ({ effects: context.effects }),
        onDone: [
          {
            guard: { type: 'isUsableStoredSession', params: ({ event }) => ({ stored: event.output }) },
            target: 'checkingWx',
            actions: { type: 'adoptStoredSession', params: ({ event }) => ({ stored: event.output as StoredSession }) },
          },
          { target: 'wxLogin', actions: ['forgetSession', 'clearSession'] },
        ],
        onError: { target: 'wxLogin', actions: ['forgetSession', 'clearSession'] },
      },
      after: { readSessionTimeout: { target: 'wxLogin', actions: ['reportReadTimeout', 'forgetSession', 'clearSession'] } },
    },

    checkingWx: {
      description: DESCRIPTIONS.checkingWx,
      entry: 'prefetchServerCheck',
      invoke: {
        id: 'checkWxSession',
        src: 'checkWxSession',
        input: ({ context }) => ({ effects: context.effects }),
        onDone: [{ guard: 'isServerConfirmationFresh', target: 'authenticated' }, { target: 'checkingServer' }],
        onError: [
          { guard: 'isRefreshWithTransientFailure', target: 'authenticated', actions: 'recordError' },
          { target: 'wxLogin', actions: ['forgetSession', 'clearSession'] },
        ],
      },
      after: {
        checkWxSessionTimeout: [
          { guard: 'isRefreshing', target: 'authenticated', actions: { type: 'recordTimeout', params: { step: 'checkWxSession' } } },
          { target: 'wxLogin', actions: ['forgetSession', 'clearSession'] },
        ],
      },
    },

    checkingServer: {
      description: DESCRIPTIONS.checkingServer,
      initial: 'running',
      entry: 'resetAttempts',
      states: {
        running: {
          invoke: {
            id: 'checkServerSession',
            src: 'checkServerSession',
            input: ({ context }) => ({ effects: context.effects, session: context.session as Session }),
            onDone: [
              {
                guard: { type: 'isServerSessionValid', params: ({ event }) => ({ valid: event.output }) },
                target: '#login.authenticated',
                actions: ['confirmNow', 'persistSession'],
              },
              { target: '#login.wxLogin', actions: ['forgetSession', 'clearSession'] },
            ],
            onError: retryOnError(
              { guard: 'isRefreshing', target: '#login.authenticated', actions: 'recordError' },
              { target: '#login.failed', actions: 'recordError' },
            ),
          },
          after: {
            checkServerSessionTimeout: retryOnTimeout(
              'checkServerSession',
              {
                guard: 'isRefreshing',
                target: '#login.authenticated',
                actions: { type: 'recordTimeout', params: { step: 'checkServerSession' } },
              },
              { target: '#login.failed', actions: { type: 'recordTimeout', params: { step: 'checkServerSession' } } },
            ),
          },
        },
        retrying: RETRYING,
      },
    },

    wxLogin: {
      description: DESCRIPTIONS.wxLogin,
      initial: 'running',
      entry: 'resetAttempts',
      states: {
        running: {
          invoke: {
            id: 'wxLogin',
            src: 'wxLogin',
            input: ({ context }) => ({ effects: context.effects, timeout: context.timeouts.wxLogin }),
            onDone: {
              target: '#login.serverLogin',
              actions: { type: 'storeCode', params: ({ event }) => ({ code: event.output.code }) },
            },
            onError: retryOnError({ target: '#login.failed', actions: 'recordError' }),
          },
          after: {
            wxLoginTimeout: retryOnTimeout('wxLogin', {
              target: '#login.failed',
              actions: { type: 'recordTimeout', params: { step: 'wxLogin' } },
            }),
          },
        },
        retrying: RETRYING,
      },
    },

    serverLogin: {
      description: DESCRIPTIONS.serverLogin,
      initial: 'running',
      entry: 'resetAttempts',
      states: {
        running: {
          invoke: {
            id: 'serverLogin',
            src: 'serverLogin',
            input: ({ context }) => ({ effects: context.effects, code: context.code as string }),
            onDone: {
              target: '#login.authenticated',
              actions: [{ type: 'storeLoginSession', params: ({ event }) => ({ session: event.output }) }, 'persistSession'],
            },
            onError: [
              {
                guard: 'isRejectedCodeWithFreshCodeLeft',
                target: '#login.wxLogin',
                actions: 'recordRejectedCode',
              },
              // Keeps the transient error recorded when this code was retried.
              { guard: 'isRejectedCodeAfterRetry', target: '#login.failed', actions: 'forgetCode' },
              ...retryOnError({ target: '#login.failed', actions: 'recordErrorAndForgetCode' }),
            ],
          },
          after: {
            serverLoginTimeout: retryOnTimeout('serverLogin', {
              target: '#login.failed',
              actions: { type: 'recordTimeoutAndForgetCode', params: { step: 'serverLogin' } },
            }),
          },
        },
        retrying: RETRYING,
      },
    },

    authenticated: {
      description: DESCRIPTIONS.authenticated,
      tags: ['authenticated'],
      on: {
        SESSION_EXPIRED: { target: 'wxLogin', actions: ['beginFlowWithoutSession', 'clearSession'] },
        REFRESH: { target: 'checkingWx', actions: 'beginRefresh' },
      },
    },

    failed: {
      description: DESCRIPTIONS.failed,
      on: { RETRY: { target: 'checkingStorage', actions: 'beginFlow' } },
    },
  },
})

export type LoginMachine = typeof loginMachine
