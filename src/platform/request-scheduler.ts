/**
 * A limit on how many platform requests run at once.
 *
 * `wx.request` allows 10 requests at once, shared with `wx.uploadFile` and
 * `wx.downloadFile`; past that, depending on the base library, further calls
 * queue inside WeChat or fail. A burst of page requests (or a 401 storm) can
 * then starve the login's own requests. The scheduler keeps at most `limit`
 * tasks running, queues the rest, and starts queued `login` tasks (server
 * login, session check, logout) before queued `app` tasks, each kind in the
 * order it arrived. It never preempts a task that already runs.
 */
export type RequestPriority = 'login' | 'app'

export interface ScheduleOptions {
  /** `login` goes ahead of queued `app` tasks. Default `app`. */
  priority?: RequestPriority
  /** Tags the task, so `cancelQueued(owner, …)` can reject it while it still waits. */
  owner?: object
}

export interface RequestScheduler {
  /** At most this many tasks run at once. */
  readonly limit: number
  /** Tasks running now. */
  readonly inFlight: number
  /** Tasks waiting for a slot. */
  readonly queued: number
  /** Runs `task` once a slot is free; settles as it does. A task that throws frees its slot too. */
  schedule<T>(task: () => Promise<T>, options?: ScheduleOptions): Promise<T>
  /** Rejects, with `error`, every task of `owner` that has not started; answers how many. */
  cancelQueued(owner: object, error: unknown): number
}

export interface RequestSchedulerOptions {
  /**
   * Default 10, WeChat's limit for `wx.request`, `wx.uploadFile` and
   * `wx.downloadFile` together. `Infinity` for a runtime without a limit.
   */
  maxConcurrent?: number
}

export const DEFAULT_MAX_CONCURRENT_REQUESTS = 10

interface Waiting {
  start(): void
  reject(error: unknown): void
  owner: object | undefined
}

export function createRequestScheduler(options: RequestSchedulerOptions = {}): RequestScheduler {
  const limit = options.maxConcurrent ?? DEFAULT_MAX_CONCURRENT_REQUESTS
  if (!(Number.isInteger(limit) || limit === Number.POSITIVE_INFINITY) || limit < 1) {
    throw new RangeError(`maxConcurrentRequests must be a whole number of at least 1 (or Infinity), got ${String(limit)}`)
  }
  const queues: Record<RequestPriority, Waiting[]> = { login: [], app: [] }
  let running = 0

  function next(): void {
    while (running < limit) {
      const waiting = queues.login.shift() ?? queues.app.shift()
      if (!waiting) return
      waiting.start()
    }
  }

  return {
    limit,
    get inFlight() {
      return running
    },
    get queued() {
      return queues.login.length + queues.app.length
    },
    schedule<T>(task: () => Promise<T>, scheduleOptions: ScheduleOptions = {}): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const waiting: Waiting = {
          owner: scheduleOptions.owner,
          reject,
          start() {
            running += 1
            let pending: Promise<T>
            try {
              pending = Promise.resolve(task())
            } catch (error) {
              pending = Promise.reject(error)
            }
            pending
              .finally(() => {
                running -= 1
                next()
              })
              .then(resolve, reject)
          },
        }
        queues[scheduleOptions.priority ?? 'app'].push(waiting)
        next()
      })
    },
    cancelQueued(owner, error) {
      let cancelled = 0
      for (const queue of Object.values(queues)) {
        for (let i = queue.length - 1; i >= 0; i--) {
          const waiting = queue[i] as Waiting
          if (waiting.owner !== owner) continue
          queue.splice(i, 1)
          waiting.reject(error)
          cancelled += 1
        }
      }
      return cancelled
    },
  }
}
