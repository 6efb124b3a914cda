/**
 * Sends text frames, in order, over a WeChat `SocketTask`.
 *
 * WeChat only lets a `SocketTask` send after its `onOpen` fired, so frames
 * wait in a bounded queue until then (and while reconnecting). A failure of
 * the socket never throws into the app: it is reported through `onError` as a
 * `LoginError('network')`, and the transport reconnects with a doubling
 * delay. Delivery is at most once: a frame handed to a socket that then
 * breaks is not sent again.
 */
import { LoginError } from '../contract/index.ts'
import { MAX_FRAME_BYTES, oversizedFrameBytes } from './frame-limit.ts'

/** `wx.connectSocket`, e.g. `wx.connectSocket.bind(wx)`. */
export type ConnectSocket = (option: WechatMiniprogram.ConnectSocketOption) => WechatMiniprogram.SocketTask

/**
 * - `idle`: not started yet; frames are queued.
 * - `connecting`: waiting for `onOpen`; frames are queued.
 * - `open`: frames are sent as they come.
 * - `waiting`: the socket failed; frames are queued until the next try.
 * - `stopped`: `stop()` was called, or the socket failed with reconnecting turned off; frames are dropped.
 */
export type TransportStatus = 'idle' | 'connecting' | 'open' | 'waiting' | 'stopped'

export interface ReconnectPolicy {
  /** Wait before the first new try. */
  initialDelayMs: number
  /** The wait doubles per failed try up to this. */
  maxDelayMs: number
}

export const DEFAULT_RECONNECT: ReconnectPolicy = { initialDelayMs: 1_000, maxDelayMs: 30_000 }

export interface SocketTransportOptions {
  url: string
  connectSocket: ConnectSocket
  onError: (error: LoginError) => void
  /** Frames kept while not connected; past this the oldest go. */
  maxQueued: number
  reconnect: ReconnectPolicy | false
  /** Passed to `wx.connectSocket` as `timeout`. */
  connectTimeoutMs?: number | undefined
}

/** One call to `connectSocket`; callbacks from an attempt that is no longer current are ignored. */
interface Attempt {
  task: WechatMiniprogram.SocketTask | undefined
  sendFailureReported: boolean
}

const NORMAL_CLOSURE = 1000

function describeClose(result: Partial<WechatMiniprogram.SocketTaskOnCloseListenerResult> | undefined): string {
  const parts: string[] = []
  if (typeof result?.code === 'number') parts.push(`code ${result.code}`)
  if (typeof result?.reason === 'string' && result.reason !== '') parts.push(result.reason)
  return parts.length === 0 ? '' : ` (${parts.join(': ')})`
}

function errMsgOf(result: unknown): string {
  const errMsg = (result as { errMsg?: unknown } | undefined)?.errMsg
  return typeof errMsg === 'string' && errMsg !== '' ? errMsg : 'no details'
}

function closeQuietly(task: WechatMiniprogram.SocketTask | undefined, reason: string): void {
  if (!task) return
  try {
    // Closing a socket that is not open yet fails in WeChat; that is fine here.
    task.close({ code: NORMAL_CLOSURE, reason, fail: () => {} })
  } catch {
    // A task that cannot even be asked to close is already gone.
  }
}

export class SocketTransport {
  private state: TransportStatus = 'idle'
  private queue: string[] = []
  private attempt: Attempt | undefined
  private retryTimer: ReturnType<typeof setTimeout> | undefined
  private failures = 0
  private overflowReported = false
  private oversizeReported = false

  constructor(private readonly options: SocketTransportOptions) {}

  get status(): TransportStatus {
    return this.state
  }

  start(): void {
    if (this.state === 'idle' || this.state === 'stopped') this.connect()
  }

  stop(): void {
    this.state = 'stopped'
    this.queue = []
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer)
    this.retryTimer = undefined
    const attempt = this.attempt
    this.attempt = undefined
    closeQuietly(attempt?.task, 'inspector stopped')
  }

  /** Queues or sends one frame; one the relay would refuse is left out and reported (once). Never throws. */
  send(frame: string): void {
    if (this.state === 'stopped') return
    const oversized = oversizedFrameBytes(frame)
    if (oversized !== undefined) {
      // Sent, it would make the relay close the connection, and the events behind it would wait for a reconnect.
      if (!this.oversizeReported) {
        this.oversizeReported = true
        this.report(
          new LoginError(
            'invalid_request',
            `inspector: an event of ${oversized} bytes is bigger than the relay takes (${MAX_FRAME_BYTES}); such events are left out`,
          ),
        )
      }
      return
    }
    if (this.state === 'open' && this.attempt?.task) {
      this.sendNow(this.attempt, frame)
      return
    }
    this.queue.push(frame)
    if (this.queue.length > this.options.maxQueued) {
      this.queue.splice(0, this.queue.length - this.options.maxQueued)
      if (!this.overflowReported) {
        this.overflowReported = true
        this.report(
          new LoginError(
            'network',
            `inspector: not connected to ${this.options.url}; only the last ${this.options.maxQueued} events are kept`,
          ),
        )
      }
    }
  }

  private connect(): void {
    const attempt: Attempt = { task: undefined, sendFailureReported: false }
    this.attempt = attempt
    this.state = 'connecting'
    let task: WechatMiniprogram.SocketTask
    try {
      task = this.options.connectSocket({
        url: this.options.url,
        ...(this.options.connectTimeoutMs === undefined ? {} : { timeout: this.options.connectTimeoutMs }),
        fail: (result) => this.fail(attempt, `inspector: could not connect to ${this.options.url}: ${errMsgOf(result)}`, result),
      })
    } catch (cause) {
      this.fail(attempt, `inspector: connectSocket threw for ${this.options.url}`, cause)
      return
    }
    if (this.attempt !== attempt) {
      // `fail` already ran (synchronously) or the transport was stopped meanwhile.
      closeQuietly(task, 'inspector stopped')
      return
    }
    if (typeof task !== 'object' || task === null || typeof task.onOpen !== 'function' || typeof task.send !== 'function') {
      this.fail(attempt, 'inspector: connectSocket did not return a SocketTask', undefined)
      return
    }
    attempt.task = task
    // WeChat asks for listeners right after connectSocket, or onOpen may be missed.
    try {
      task.onOpen(() => this.open(attempt))
      task.onError((result) => this.fail(attempt, `inspector: socket error on ${this.options.url}: ${errMsgOf(result)}`, result))
      task.onClose((result) => this.fail(attempt, `inspector: socket to ${this.options.url} closed${describeClose(result)}`, undefined))
    } catch (cause) {
      this.fail(attempt, 'inspector: could not listen to the SocketTask', cause)
    }
  }

  private open(attempt: Attempt): void {
    if (this.attempt !== attempt) {
      // Opened after stop() or after it was given up on.
      closeQuietly(attempt.task, 'inspector stopped')
      return
    }
    this.state = 'open'
    this.failures = 0
    this.overflowReported = false
    const queued = this.queue
    this.queue = []
    for (const frame of queued) this.sendNow(attempt, frame)
  }

  private sendNow(attempt: Attempt, frame: string): void {
    const onFailure = (result: unknown, cause?: unknown): void => {
      if (attempt.sendFailureReported || this.attempt !== attempt) return
      attempt.sendFailureReported = true
      this.report(
        new LoginError('network', `inspector: could not send to ${this.options.url}: ${errMsgOf(result)}`, { cause: cause ?? result }),
      )
    }
    try {
      attempt.task?.send({ data: frame, fail: (result) => onFailure(result) })
    } catch (cause) {
      onFailure(undefined, cause)
    }
  }

  /** The current attempt failed (error, close or connect failure): report once and maybe try again. */
  private fail(attempt: Attempt, message: string, cause: unknown): void {
    if (this.attempt !== attempt) return
    this.attempt = undefined
    closeQuietly(attempt.task, 'inspector giving up on this connection')
    this.report(new LoginError('network', message, cause === undefined ? {} : { cause }))
    const policy = this.options.reconnect
    if (policy === false) {
      this.state = 'stopped'
      this.queue = []
      return
    }
    this.state = 'waiting'
    const delay = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** this.failures)
    this.failures += 1
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined
      if (this.state === 'waiting') this.connect()
    }, delay)
  }

  private report(error: LoginError): void {
    try {
      this.options.onError(error)
    } catch (reporterFailure) {
      // The app's own reporter threw; the inspector must not throw into the app, so say it here.
      if (typeof console !== 'undefined') console.error('[inspect] the onError callback threw', reporterFailure)
    }
  }
}
