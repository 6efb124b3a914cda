/**
 * The login life cycle of a WeChat mini-program as an XState v5 statechart.
 *
 * This file is data: every side effect (storage, `wx.checkSession`,
 * `wx.login`, HTTP to the developer server) is a named actor or action whose
 * real implementation is provided from outside with `loginMachine.provide()`.
 * The placeholders below reject or do nothing, so a machine that was not given
 * its implementations fails loudly instead of pretending to log in.
 */
import { assign, fromPromise, setup } from 'xstate'
import { LoginError, backoffDelay, isLoginError, isSessionShape, toLoginError, type Session } from '../src/contract/index.ts'
import {
  DEFAULT_RETRY_POLICY,
  DEFAULT_STEP_TIMEOUTS,
  type LoginContext,
  type LoginEvent,
  type LoginMachineInput,
  type LoginStep,
  type StoredSession,
} from './login.types.ts'

function notProvided(name: string): () => Promise<never> {
  return () => Promise.reject(new Error(`the '${name}' actor was not provided to loginMachine`))
}

function timeoutError(step: LoginStep, ms: number): LoginError {
  return new LoginError('timeout', `${step} did not answer within ${ms} ms`)
}

function isUsableSession(value: unknown, now: number): value is Session {
  return isSessionShape(value) && value.expiresAt > now
}

function toSession({ token, expiresAt }: StoredSession): Session {
  return { token, expiresAt }
}

/** The codes that mean "this `wx.login` code is no good, get a fresh one". */
const REJECTED_CODE_ERRORS = new Set(['invalid_code', 'code_used'])

function isRejectedCode(error: unknown): boolean {
  return isLoginError(error) && REJECTED_CODE_ERRORS.has(error.code)
}

export const loginMachine = setup({
  types: {
    context: {} as LoginContext,
    events: {} as LoginEvent,
    input: {} as LoginMachineInput | undefined,
  },
  actors: {
    /** Reads the stored session; resolves `null` when there is none or it is corrupt. */
    readSession: fromPromise<StoredSession | null>(notProvided('readSession')),
    /** `wx.checkSession`: resolves while WeChat's session is alive, rejects when it expired. */
    checkWxSession: fromPromise<void>(notProvided('checkWxSession')),
    /** Asks the developer server: `true` valid, `false` expired; rejects on a transient failure. */
    checkServerSession: fromPromise<boolean, { session: Session }>(notProvided('checkServerSession')),
    /** `wx.login`: resolves with a one-time code. */
    wxLogin: fromPromise<{ code: string }, { timeout: number }>(notProvided('wxLogin')),
    /** Trades the code for a developer-server session. */
    serverLogin: fromPromise<Session, { code: string }>(notProvided('serverLogin')),
  },
  guards: {
    isUsableStoredSession: (_, params: { stored: unknown }) => isUsableSession(params.stored, Date.now()),
    isServerSessionValid: (_, params: { valid: boolean }) => params.valid,
    /** The server confirmed this session less than `serverCheckWindowMs` ago (0 = always ask it). */
    isServerConfirmationFresh: ({ context }) =>
      context.confirmedAt !== null && Date.now() - context.confirmedAt < context.serverCheckWindowMs,
    hasAttemptsLeft: ({ context }) => context.attempt < context.retry.attempts,
    /** Tries left, a transient failure, and no `Retry-After` longer than our longest backoff. */
    canRetry: ({ context }, params: { error: unknown }) => {
      if (context.attempt >= context.retry.attempts) return false
      const error = toLoginError(params.error)
      if (!error.transient) return false
      // A server that asks us to wait longer than our longest backoff is not retried:
      // the caller gets `rate_limited` with `retryAfterMs` and decides.
      return (error.retryAfterMs ?? 0) <= context.retry.maxDelayMs
    },
    isRejectedCodeWithFreshCodeLeft: ({ context }, params: { error: unknown }) =>
      isRejectedCode(params.error) && context.freshCodeRetries < 1,
    /**
     * The code was refused on a retry that followed a transient failure: the
     * server most likely spent it with WeChat before failing, so the refusal is a
     * consequence of that failure, and the transient error is the one to report.
     */
    isRejectedCodeAfterRetry: ({ context }, params: { error: unknown }) => isRejectedCode(params.error) && context.attempt > 1,
  },
  actions: {
    /** Writes the session to storage. Provided by the client; must not throw. */
    persistSession: (_, _params: { session: Session; confirmedAt: number }) => {},
    /** Removes the stored session. Provided by the client; must not throw. */
    clearSession: () => {},
    /** Tells the developer server the session is over, if it can. Provided by the client; must not throw. */
    notifyServerLogout: (_, _params: { session: Session | null }) => {},
    beginFlow: assign({ freshCodeRetries: 0, error: null }),
    resetAttempts: assign({ attempt: 1 }),
    nextAttempt: assign({ attempt: ({ context }) => context.attempt + 1 }),
    countFreshCode: assign({ freshCodeRetries: ({ context }) => context.freshCodeRetries + 1 }),
    recordError: assign({ error: (_, params: { error: unknown }) => toLoginError(params.error) }),
    recordTimeout: assign({
      error: ({ context }, params: { step: LoginStep }) => timeoutError(params.step, context.timeouts[params.step]),
    }),
    storeSession: assign({ session: (_, params: { session: Session }) => params.session }),
    forgetSession: assign({ session: null, confirmedAt: null }),
    storeConfirmedAt: assign({ confirmedAt: (_, params: { at: number | null }) => params.at }),
    storeCode: assign({ code: (_, params: { code: string }) => params.code }),
    forgetCode: assign({ code: null }),
    clearError: assign({ error: null }),
  },
  delays: {
    readSessionTimeout: ({ context }) => context.timeouts.readSession,
    checkWxSessionTimeout: ({ context }) => context.timeouts.checkWxSession,
    checkServerSessionTimeout: ({ context }) => context.timeouts.checkServerSession,
    wxLoginTimeout: ({ context }) => context.timeouts.wxLogin,
    serverLoginTimeout: ({ context }) => context.timeouts.serverLogin,
    retryBackoff: ({ context }) =>
      backoffDelay({ attempt: context.attempt, policy: context.retry, retryAfterMs: context.error?.retryAfterMs, random: Math.random() }),
  },
}).createMachine({
  id: 'login',
  description:
    'The login life cycle of a WeChat mini-program: stored session, wx.checkSession, developer-server check, wx.login, server login.',
  context: ({ input }) => ({
    session: null,
    confirmedAt: null,
    code: null,
    error: null,
    attempt: 1,
    freshCodeRetries: 0,
    timeouts: { ...DEFAULT_STEP_TIMEOUTS, ...input?.timeouts },
    retry: { ...DEFAULT_RETRY_POLICY, ...input?.retry },
    serverCheckWindowMs: input?.serverCheckWindowMs ?? 0,
  }),
  initial: 'idle',
  on: {
    LOGOUT: {
      target: '.idle',
      actions: [
        { type: 'notifyServerLogout', params: ({ context }) => ({ session: context.session }) },
        'clearSession',
        'forgetSession',
        'forgetCode',
        'clearError',
      ],
    },
  },
  states: {
    idle: {
      description: 'Not started, or logged out.',
      on: { START: { target: 'checkingStorage', actions: 'beginFlow' } },
    },

    checkingStorage: {
      description: 'Read the stored developer-server session. None, corrupt, locally expired or unreadable: log in afresh.',
      invoke: {
        id: 'readSession',
        src: 'readSession',
        onDone: [
          {
            guard: { type: 'isUsableStoredSession', params: ({ event }) => ({ stored: event.output }) },
            target: 'checkingWx',
            actions: [
              { type: 'storeSession', params: ({ event }) => ({ session: toSession(event.output as StoredSession) }) },
              { type: 'storeConfirmedAt', params: ({ event }) => ({ at: event.output?.confirmedAt ?? null }) },
            ],
          },
          { target: 'wxLogin', actions: ['forgetSession', 'clearSession'] },
        ],
        onError: { target: 'wxLogin', actions: ['forgetSession', 'clearSession'] },
      },
      after: { readSessionTimeout: { target: 'wxLogin', actions: ['forgetSession', 'clearSession'] } },
    },

    checkingWx: {
      description: "wx.checkSession: is WeChat's side of the session still alive?",
      invoke: {
        id: 'checkWxSession',
        src: 'checkWxSession',
        onDone: [{ guard: 'isServerConfirmationFresh', target: 'authenticated' }, { target: 'checkingServer' }],
        onError: { target: 'wxLogin', actions: ['forgetSession', 'clearSession'] },
      },
      after: { checkWxSessionTimeout: { target: 'wxLogin', actions: ['forgetSession', 'clearSession'] } },
    },

    checkingServer: {
      description: 'Ask the developer server whether its side of the session is still alive.',
      initial: 'running',
      entry: 'resetAttempts',
      states: {
        running: {
          invoke: {
            id: 'checkServerSession',
            src: 'checkServerSession',
            input: ({ context }) => ({ session: context.session as Session }),
            onDone: [
              {
                guard: { type: 'isServerSessionValid', params: ({ event }) => ({ valid: event.output }) },
                target: '#login.authenticated',
                actions: [
                  { type: 'storeConfirmedAt', params: () => ({ at: Date.now() }) },
                  { type: 'persistSession', params: ({ context }) => ({ session: context.session as Session, confirmedAt: Date.now() }) },
                ],
              },
              { target: '#login.wxLogin', actions: ['forgetSession', 'clearSession'] },
            ],
            onError: [
              {
                guard: { type: 'canRetry', params: ({ event }) => ({ error: event.error }) },
                target: 'retrying',
                actions: [{ type: 'recordError', params: ({ event }) => ({ error: event.error }) }, 'nextAttempt'],
              },
              { target: '#login.failed', actions: { type: 'recordError', params: ({ event }) => ({ error: event.error }) } },
            ],
          },
          after: {
            checkServerSessionTimeout: [
              {
                guard: 'hasAttemptsLeft',
                target: 'retrying',
                actions: [{ type: 'recordTimeout', params: { step: 'checkServerSession' } }, 'nextAttempt'],
              },
              { target: '#login.failed', actions: { type: 'recordTimeout', params: { step: 'checkServerSession' } } },
            ],
          },
        },
        retrying: { after: { retryBackoff: { target: 'running' } } },
      },
    },

    wxLogin: {
      description: 'wx.login: get a one-time code (valid five minutes, single use).',
      initial: 'running',
      entry: 'resetAttempts',
      states: {
        running: {
          invoke: {
            id: 'wxLogin',
            src: 'wxLogin',
            input: ({ context }) => ({ timeout: context.timeouts.wxLogin }),
            onDone: {
              target: '#login.serverLogin',
              actions: { type: 'storeCode', params: ({ event }) => ({ code: event.output.code }) },
            },
            onError: [
              {
                guard: { type: 'canRetry', params: ({ event }) => ({ error: event.error }) },
                target: 'retrying',
                actions: [{ type: 'recordError', params: ({ event }) => ({ error: event.error }) }, 'nextAttempt'],
              },
              { target: '#login.failed', actions: { type: 'recordError', params: ({ event }) => ({ error: event.error }) } },
            ],
          },
          after: {
            wxLoginTimeout: [
              {
                guard: 'hasAttemptsLeft',
                target: 'retrying',
                actions: [{ type: 'recordTimeout', params: { step: 'wxLogin' } }, 'nextAttempt'],
              },
              { target: '#login.failed', actions: { type: 'recordTimeout', params: { step: 'wxLogin' } } },
            ],
          },
        },
        retrying: { after: { retryBackoff: { target: 'running' } } },
      },
    },

    serverLogin: {
      description: 'Trade the code for a developer-server session (the server calls code2Session), then persist it.',
      initial: 'running',
      entry: 'resetAttempts',
      states: {
        running: {
          invoke: {
            id: 'serverLogin',
            src: 'serverLogin',
            input: ({ context }) => ({ code: context.code as string }),
            onDone: {
              target: '#login.authenticated',
              actions: [
                { type: 'storeSession', params: ({ event }) => ({ session: event.output }) },
                { type: 'storeConfirmedAt', params: () => ({ at: Date.now() }) },
                { type: 'persistSession', params: ({ event }) => ({ session: event.output, confirmedAt: Date.now() }) },
                'forgetCode',
                'clearError',
              ],
            },
            onError: [
              {
                guard: { type: 'isRejectedCodeWithFreshCodeLeft', params: ({ event }) => ({ error: event.error }) },
                target: '#login.wxLogin',
                actions: [{ type: 'recordError', params: ({ event }) => ({ error: event.error }) }, 'countFreshCode', 'forgetCode'],
              },
              {
                // Keeps the transient error recorded when this code was retried.
                guard: { type: 'isRejectedCodeAfterRetry', params: ({ event }) => ({ error: event.error }) },
                target: '#login.failed',
                actions: 'forgetCode',
              },
              {
                guard: { type: 'canRetry', params: ({ event }) => ({ error: event.error }) },
                target: 'retrying',
                actions: [{ type: 'recordError', params: ({ event }) => ({ error: event.error }) }, 'nextAttempt'],
              },
              {
                target: '#login.failed',
                actions: [{ type: 'recordError', params: ({ event }) => ({ error: event.error }) }, 'forgetCode'],
              },
            ],
          },
          after: {
            serverLoginTimeout: [
              {
                guard: 'hasAttemptsLeft',
                target: 'retrying',
                actions: [{ type: 'recordTimeout', params: { step: 'serverLogin' } }, 'nextAttempt'],
              },
              { target: '#login.failed', actions: [{ type: 'recordTimeout', params: { step: 'serverLogin' } }, 'forgetCode'] },
            ],
          },
        },
        retrying: { after: { retryBackoff: { target: 'running' } } },
      },
    },

    authenticated: {
      description: 'Logged in: the session token is in context and in storage.',
      tags: ['authenticated'],
      on: {
        SESSION_EXPIRED: { target: 'wxLogin', actions: ['beginFlow', 'forgetSession', 'clearSession'] },
        // A refresh asks the server whatever it said recently.
        REFRESH: { target: 'checkingWx', actions: ['beginFlow', { type: 'storeConfirmedAt', params: { at: null } }] },
      },
    },

    failed: {
      description: 'The flow gave up; context.error says why.',
      on: { RETRY: { target: 'checkingStorage', actions: 'beginFlow' } },
    },
  },
})

export type LoginMachine = typeof loginMachine
