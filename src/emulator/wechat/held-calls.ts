import type { WechatHeldCalls } from './types.ts'

/**
 * Calls held by one `holdNext`: each waits, received but unanswered, until
 * the test releases them all (then each is handled as usual) or the emulator
 * closes (then its connection is cut). A call that takes a hold after the
 * release passes at once.
 */
export class HeldCalls implements WechatHeldCalls {
  #waiting = 0
  #released = false
  readonly #releases: Array<() => void> = []
  readonly #watchers: Array<{ count: number; resolve: () => void }> = []

  get waiting(): number {
    return this.#waiting
  }

  /** Resolves `true` once released, `false` when `signal` aborts first (the emulator is closing). */
  wait(signal: AbortSignal): Promise<boolean> {
    if (this.#released) return Promise.resolve(true)
    if (signal.aborted) return Promise.resolve(false)
    return new Promise((resolve) => {
      const onAbort = (): void => {
        this.#waiting--
        resolve(false)
      }
      signal.addEventListener('abort', onAbort, { once: true })
      this.#releases.push(() => {
        signal.removeEventListener('abort', onAbort)
        resolve(true)
      })
      this.#waiting++
      for (const watcher of this.#watchers.filter((w) => w.count <= this.#waiting)) {
        this.#watchers.splice(this.#watchers.indexOf(watcher), 1)
        watcher.resolve()
      }
    })
  }

  reached(count: number): Promise<void> {
    if (this.#waiting >= count) return Promise.resolve()
    return new Promise((resolve) => this.#watchers.push({ count, resolve }))
  }

  release(): void {
    this.#released = true
    this.#waiting = 0
    for (const release of this.#releases.splice(0)) release()
  }
}
