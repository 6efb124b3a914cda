/** One planned misbehaviour of the next code2Session call. */
export type Fault = { kind: 'errcode'; errcode: number } | { kind: 'drop' } | { kind: 'http-status'; status: number }

/**
 * The faults queued for the next code2Session calls, taken first in, first
 * out: each call consumes at most one.
 */
export class FaultPlan {
  readonly #queue: Fault[] = []

  add(fault: Fault, count: number): void {
    for (let i = 0; i < count; i++) this.#queue.push(fault)
  }

  /** The fault for this call, if one is planned. */
  take(): Fault | undefined {
    return this.#queue.shift()
  }

  get pending(): number {
    return this.#queue.length
  }

  clear(): void {
    this.#queue.length = 0
  }
}
