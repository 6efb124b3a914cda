/**
 * Rate-limit counters in this process's memory, for a store that cannot share
 * them (SQLite, a store of your own): fixed windows, each forgotten only once
 * it has ended, never to make room (an LRU that forgets an open window lets a
 * client start over by cycling through enough other addresses). Memory grows
 * with the keys seen within one window and shrinks as their windows end.
 *
 * Each map holds the windows of one length in the order they started, which
 * is also the order they end: ended windows are dropped from its front.
 */
import type { RateLimitCounter, RateLimitHit } from '../store/index.ts'

interface Window {
  count: number
  endsAt: number
}

export function createMemoryRateLimitCounter(now: () => number = Date.now): RateLimitCounter & { readonly size: number } {
  const byLength = new Map<number, Map<string, Window>>()

  function dropEnded(windows: Map<string, Window>, at: number): void {
    for (const [key, window] of windows) {
      if (window.endsAt > at) return
      windows.delete(key)
    }
  }

  return {
    get size() {
      let total = 0
      for (const windows of byLength.values()) total += windows.size
      return total
    },

    async hit(key: string, windowMs: number): Promise<RateLimitHit> {
      const at = now()
      let windows = byLength.get(windowMs)
      if (windows === undefined) {
        windows = new Map()
        byLength.set(windowMs, windows)
      }
      dropEnded(windows, at)
      let window = windows.get(key)
      if (window === undefined) {
        window = { count: 0, endsAt: at + windowMs }
        windows.set(key, window)
      }
      window.count += 1
      // A copy: a caller that reads it after an await must see this hit's count, not a later one's.
      return { count: window.count, resetInMs: window.endsAt - at }
    },
  }
}
