/**
 * What a fake runtime does when the adapter calls it. Fakes stand in for the
 * mini-program runtimes (outside our reach) and answer the way each one's
 * documentation says; these scripts choose which documented answer.
 */

/** A developer server's answer, or the ways a request can end without one. */
export type RequestScript =
  | { kind: 'answer'; statusCode: number; data?: unknown; header?: Record<string, string>; delayMs?: number }
  /** No connection (DNS, TLS, offline…). */
  | { kind: 'unreachable'; delayMs?: number }
  /** The server never answers: the runtime's own timeout decides. */
  | { kind: 'slow' }
  /** The runtime never calls back at all (app in background, runtime bug). */
  | { kind: 'hang' }

export type LoginScript =
  | { kind: 'code'; code: string; delayMs?: number }
  /** Success without a code. */
  | { kind: 'no-code' }
  | { kind: 'fail'; message: string }
  /** The runtime never calls back. */
  | { kind: 'hang' }

export type SessionScript = { kind: 'alive' } | { kind: 'expired' } | { kind: 'hang' }

/** Runs `fn` on a later turn, as the runtimes call back asynchronously. */
export function later(delayMs: number | undefined, fn: () => void): ReturnType<typeof setTimeout> {
  return setTimeout(fn, delayMs ?? 0)
}

/** What a fake saw of one request. */
export interface SeenRequest<O> {
  options: O
  aborted: boolean
}

/**
 * A storage area with a byte budget, like every runtime's (WeChat: 10 MB in
 * all, 1 MB a key). `write` reports `false` when the value does not fit.
 */
export class QuotaStore {
  readonly entries = new Map<string, string>()

  constructor(private readonly budgetBytes: number) {}

  private used(except?: string): number {
    let total = 0
    for (const [key, json] of this.entries) if (key !== except) total += key.length + json.length
    return total
  }

  write(key: string, value: unknown): boolean {
    const json = JSON.stringify(value)
    if (this.used(key) + key.length + json.length > this.budgetBytes) return false
    this.entries.set(key, json)
    return true
  }

  read(key: string): { found: true; value: unknown } | { found: false } {
    const json = this.entries.get(key)
    return json === undefined ? { found: false } : { found: true, value: JSON.parse(json) as unknown }
  }

  delete(key: string): void {
    this.entries.delete(key)
  }
}

/** How one runtime ends a request that got no answer, in its own error shape. */
export type RequestEnding = 'unreachable' | 'timeout' | 'abort'

export interface ScriptedRequestRuntime {
  /** The runtime's own deadline for a request that never answers; `undefined` when it has none and waits. */
  timeoutMs: number | undefined
  /** Calls the request's failure callback for a request that ended without an answer. */
  fail(ending: RequestEnding): void
  /** Delivers the server's answer (to `success`, or to `fail` where the runtime reports some statuses as failures). */
  answer(plan: Extract<RequestScript, { kind: 'answer' }>): void
}

/**
 * Plays a request script with callbacks, as the callback-style runtimes do:
 * one callback at most per request, on a later turn; `abort()` fails the
 * request unless it already ended. Records what the runtime saw in `requests`.
 */
export function playRequest<O>(
  requests: SeenRequest<O>[],
  options: O,
  plan: RequestScript,
  runtime: ScriptedRequestRuntime,
): { abort(): void } {
  const seen: SeenRequest<O> = { options, aborted: false }
  requests.push(seen)
  let done = false
  const once =
    (end: () => void): (() => void) =>
    () => {
      if (done) return
      done = true
      end()
    }
  if (plan.kind === 'unreachable')
    later(
      plan.delayMs,
      once(() => runtime.fail('unreachable')),
    )
  else if (plan.kind === 'slow' && runtime.timeoutMs !== undefined)
    later(
      runtime.timeoutMs,
      once(() => runtime.fail('timeout')),
    )
  else if (plan.kind === 'answer')
    later(
      plan.delayMs,
      once(() => runtime.answer(plan)),
    )
  return {
    abort: () => {
      seen.aborted = true
      later(
        0,
        once(() => runtime.fail('abort')),
      )
    },
  }
}

/** Plays a `checkSession` script: nothing when it hangs, else `alive` or `expired` on a later turn. */
export function playSession(plan: SessionScript, alive: () => void, expired: () => void): void {
  if (plan.kind === 'hang') return
  later(0, () => (plan.kind === 'alive' ? alive() : expired()))
}

/**
 * WeChat-style synchronous storage over a byte budget: `''` for a missing
 * key, and a write that does not fit throws the runtime's own message.
 */
export function wxStyleStorage(
  budgetBytes: number | undefined,
  fullMessage: string,
): {
  getStorageSync(key: string): unknown
  setStorageSync(key: string, data: unknown): void
  removeStorageSync(key: string): void
} {
  const store = new QuotaStore(budgetBytes ?? 10 * 1024 * 1024)
  return {
    getStorageSync: (key) => {
      const entry = store.read(key)
      return entry.found ? entry.value : ''
    },
    setStorageSync: (key, data) => {
      if (!store.write(key, data)) throw new Error(fullMessage)
    },
    removeStorageSync: (key) => store.delete(key),
  }
}
