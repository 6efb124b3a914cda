/**
 * A WeChat frequency limit: at most `max` calls per key in each fixed window
 * of `windowMs` (a minute for "api minute-quota reach limit", a day for
 * "reach max api daily quota limit"); the count starts over in the next
 * window. Windows are aligned to the epoch, so a day starts at 00:00 UTC.
 */
export class FixedWindowQuota {
  readonly #counts = new Map<string, { windowStart: number; count: number }>()
  #max: number
  #windowMs: number
  readonly #now: () => number

  constructor(max: number, windowMs: number, now: () => number) {
    this.#max = max
    this.#windowMs = windowMs
    this.#now = now
  }

  configure(max: number, windowMs: number): void {
    this.#max = max
    this.#windowMs = windowMs
    this.#counts.clear()
  }

  /** Counts one call for `key`; `false` when it goes over the limit. */
  take(key: string): boolean {
    const now = this.#now()
    const windowStart = Math.floor(now / this.#windowMs) * this.#windowMs
    let entry = this.#counts.get(key)
    if (!entry || entry.windowStart !== windowStart) {
      entry = { windowStart, count: 0 }
      this.#counts.set(key, entry)
    }
    entry.count++
    return entry.count <= this.#max
  }
}
