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
