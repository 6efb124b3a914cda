import { isEpochMs } from '../contract/index.ts'

/**
 * The client's estimate of the developer server's time.
 *
 * Phone clocks are often wrong, by minutes or by days, and the server's
 * `expiresAt` is in the server's time. So the client never compares the two
 * directly: each server answer that says what time it is there (a session's
 * `expiresAt` with its `expiresIn`, or a `Date` header) fixes the offset
 * between the device's clock and the server's, and the device's clock is then
 * only used to measure time passing since. The offset is stored with the
 * session, so the next launch can judge the stored session too.
 */
export interface ServerClock {
  /** Server time now (ms since the epoch): the device's clock plus the offset, or the device's clock while no offset is known. */
  now(): number
  /** Server time minus device time, or `undefined` while no server answer has said what time it is there. */
  readonly offsetMs: number | undefined
  /** A server answer said its time is `serverNowMs`, now. */
  observe(serverNowMs: number): void
  /** An offset stored with the session by an earlier run; ignored once this run has observed one. */
  adopt(offsetMs: number): void
  /**
   * Whether a server-time expiry has passed. While no offset is known the
   * device's clock alone cannot say, and nothing counts as expired: the
   * server's own answers (a 401) decide.
   */
  hasPassed(serverTimeMs: number): boolean
}

export function createServerClock(deviceNow: () => number = Date.now): ServerClock {
  let offset: number | undefined
  let observed = false
  return {
    now() {
      return deviceNow() + (offset ?? 0)
    },
    get offsetMs() {
      return offset
    },
    observe(serverNowMs) {
      // An answer in seconds, or an `expiresIn` that repeats the expiry, states no time: it would put the server in 1970.
      if (!isEpochMs(serverNowMs)) return
      offset = serverNowMs - deviceNow()
      observed = true
    },
    adopt(offsetMs) {
      if (!observed && Number.isFinite(offsetMs)) offset = offsetMs
    },
    hasPassed(serverTimeMs) {
      return offset !== undefined && serverTimeMs <= deviceNow() + offset
    },
  }
}

/** What a session answer says the server's time is: `expiresAt - expiresIn`, when both are there. */
export function serverTimeOf(session: { expiresAt: number; expiresIn?: number }): number | undefined {
  return session.expiresIn === undefined ? undefined : session.expiresAt - session.expiresIn
}
