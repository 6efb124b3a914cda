/**
 * A Platform and a SessionServer whose every asynchronous answer is held
 * until the test says how it ends. Each call is recorded, so tests can assert
 * how many `wx.login`s and server logins happened and that at most one of
 * each is in flight.
 */
import type { Platform, PlatformRequestOptions, PlatformResponse } from '../../src/platform/types.ts'
import type { Session, SessionServer } from '../../src/client/http-session-server/types.ts'

export type ScriptedStep = 'readSession' | 'checkWxSession' | 'checkServerSession' | 'wxLogin' | 'serverLogin'

export interface Deferred<T> {
  promise: Promise<T>
  resolve: (value: T) => void
  reject: (error: unknown) => void
  settled: boolean
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void
  let reject!: (error: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  const result: Deferred<T> = {
    promise,
    settled: false,
    resolve: (value) => {
      result.settled = true
      resolve(value)
    },
    reject: (error) => {
      result.settled = true
      reject(error)
    },
  }
  return result
}

export interface ScriptedCall {
  step: ScriptedStep
  input: unknown
  answer: Deferred<unknown>
}

export interface ScriptedServices {
  platform: Platform
  server: SessionServer
  /** Every call so far, in order. */
  calls: ScriptedCall[]
  /** Calls not yet answered, per step. */
  pending(step: ScriptedStep): ScriptedCall[]
  /** Answers the one pending call of a step (throws when there is not exactly one). */
  resolve(step: ScriptedStep, value: unknown): void
  reject(step: ScriptedStep, error: unknown): void
  count(step: ScriptedStep): number
  /** What storage holds, by key. */
  storage: Map<string, unknown>
  /** Answers `request()` calls; defaults to 200 `{ ok: true }`. */
  onRequest: (options: PlatformRequestOptions) => PlatformResponse | Promise<PlatformResponse>
  logouts: Session[]
}

export function createScriptedServices(): ScriptedServices {
  const calls: ScriptedCall[] = []
  const storage = new Map<string, unknown>()
  const logouts: Session[] = []

  function call<T>(step: ScriptedStep, input: unknown): Promise<T> {
    const answer = deferred<unknown>()
    calls.push({ step, input, answer })
    return answer.promise as Promise<T>
  }

  function only(step: ScriptedStep): ScriptedCall {
    const open = services.pending(step)
    if (open.length !== 1) throw new Error(`expected exactly one pending ${step} call, found ${open.length}`)
    return open[0] as ScriptedCall
  }

  const services: ScriptedServices = {
    calls,
    storage,
    logouts,
    onRequest: () => ({ statusCode: 200, data: { ok: true } }),
    pending: (step) => calls.filter((c) => c.step === step && !c.answer.settled),
    count: (step) => calls.filter((c) => c.step === step).length,
    resolve: (step, value) => only(step).answer.resolve(value),
    reject: (step, error) => only(step).answer.reject(error),
    platform: {
      login: (opts) => call('wxLogin', opts),
      checkSession: () => call('checkWxSession', undefined),
      storage: {
        // Held like the other steps, so a slow or hung storage can be scripted too.
        get: (key) => call('readSession', key),
        set: (key, value) => {
          storage.set(key, structuredClone(value))
        },
        remove: (key) => {
          storage.delete(key)
        },
      },
      request: async (options) => services.onRequest(options),
    },
    server: {
      login: (code) => call('serverLogin', code),
      check: (session) => call('checkServerSession', session),
      logout: async (session) => {
        logouts.push(session)
      },
    },
  }
  return services
}
