/**
 * An XState inspector for a mini-program: XState's inspection events, in the
 * form the Stately tools read, redacted on the device, sent over
 * `wx.connectSocket` to the relay (`npm run inspect`).
 *
 * `@statelyai/inspect` is not used here: its entry point also loads
 * `partysocket`, `isomorphic-ws` and a `node:crypto` import, none of which
 * exist in a mini-program, and its sanitizers only see the top level of a
 * context or event (see docs/inspect.md).
 */
import type { InspectionEvent, Observer } from 'xstate'
import { LoginError } from '../contract/index.ts'
import { createRedactor, type RedactOptions } from './redact.ts'
import { DEFAULT_RECONNECT, SocketTransport, type ConnectSocket, type ReconnectPolicy, type TransportStatus } from './socket-transport.ts'
import { toStatelyEvent } from './stately-events.ts'

export interface MiniprogramInspectorOptions {
  /** The relay, e.g. `ws://127.0.0.1:8080` (WeChat DevTools) or `ws://<LAN IP>:8080` (a phone in debug mode). */
  url: string
  /** `wx.connectSocket.bind(wx)`. */
  connectSocket: ConnectSocket
  /** More to hide, on top of the built-in rules (which cannot be turned off). */
  redact?: RedactOptions
  /** Socket failures, as `LoginError('network')`. Default: `console.warn`. Never called with a secret. */
  onError?: (error: LoginError) => void
  /** Connect at once. Default `true`; with `false`, events queue until `start()`. */
  autoStart?: boolean
  /** Events kept while not connected; past this the oldest go. Default 200. */
  maxQueuedEvents?: number
  /** How to try again after the socket failed; `false` gives up after the first failure. Default 1 s doubling to 30 s. */
  reconnect?: Partial<ReconnectPolicy> | false
  /** `timeout` for `wx.connectSocket`, in ms. Default: WeChat's own (60 s, or `networkTimeout.connectSocket`). */
  connectTimeoutMs?: number
}

export type InspectorStatus = TransportStatus

export interface MiniprogramInspector {
  /** Pass to XState: `createActor(machine, { inspect: inspector.inspect })`. Never throws. */
  readonly inspect: Observer<InspectionEvent>
  /** Connects (if not already). */
  start(): void
  /** Closes the socket and drops queued events; later events are ignored until `start()`. */
  stop(): void
  readonly status: InspectorStatus
}

export const DEFAULT_MAX_QUEUED_EVENTS = 200

function defaultOnError(error: LoginError): void {
  if (typeof console !== 'undefined') console.warn(`[inspect] ${error.message}`)
}

function isPositiveNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0
}

function resolveReconnect(reconnect: MiniprogramInspectorOptions['reconnect']): ReconnectPolicy | false {
  if (reconnect === false) return false
  const policy = { ...DEFAULT_RECONNECT, ...reconnect }
  if (!isPositiveNumber(policy.initialDelayMs) || !isPositiveNumber(policy.maxDelayMs) || policy.maxDelayMs < policy.initialDelayMs) {
    throw new TypeError('createMiniprogramInspector: reconnect needs positive initialDelayMs <= maxDelayMs, or false')
  }
  return policy
}

function validate(options: MiniprogramInspectorOptions): void {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('createMiniprogramInspector: options are required ({ url, connectSocket })')
  }
  if (typeof options.url !== 'string' || !/^wss?:\/\/[^/\s]+/i.test(options.url)) {
    throw new TypeError(`createMiniprogramInspector: url must be a ws:// or wss:// address, got ${JSON.stringify(options.url)}`)
  }
  if (typeof options.connectSocket !== 'function') {
    throw new TypeError('createMiniprogramInspector: connectSocket must be a function, e.g. wx.connectSocket.bind(wx)')
  }
  if (options.onError !== undefined && typeof options.onError !== 'function') {
    throw new TypeError('createMiniprogramInspector: onError must be a function')
  }
  const max = options.maxQueuedEvents
  if (max !== undefined && !(Number.isInteger(max) && max >= 1)) {
    throw new TypeError(`createMiniprogramInspector: maxQueuedEvents must be a whole number of at least 1, got ${String(max)}`)
  }
  if (options.connectTimeoutMs !== undefined && !isPositiveNumber(options.connectTimeoutMs)) {
    throw new TypeError('createMiniprogramInspector: connectTimeoutMs must be a positive number')
  }
}

/**
 * Creates the inspector. Throws a `TypeError` for bad options; after that,
 * nothing it does throws into the app.
 */
export function createMiniprogramInspector(options: MiniprogramInspectorOptions): MiniprogramInspector {
  validate(options)
  const redactor = createRedactor(options.redact)
  const onError = options.onError ?? defaultOnError
  const transport = new SocketTransport({
    url: options.url,
    connectSocket: options.connectSocket,
    onError,
    maxQueued: options.maxQueuedEvents ?? DEFAULT_MAX_QUEUED_EVENTS,
    reconnect: resolveReconnect(options.reconnect),
    connectTimeoutMs: options.connectTimeoutMs,
  })

  const inspect: Observer<InspectionEvent> = {
    next(event) {
      if (transport.status === 'stopped') return
      try {
        const stately = toStatelyEvent(event, redactor)
        if (stately) transport.send(JSON.stringify(stately))
      } catch (cause) {
        try {
          onError(
            new LoginError('invalid_request', `inspector: could not serialize a ${String(event?.type)} event; it was dropped`, { cause }),
          )
        } catch {
          // The app's reporter failed too; the inspector still must not throw into XState.
        }
      }
    },
  }

  const inspector: MiniprogramInspector = {
    inspect,
    start: () => transport.start(),
    stop: () => transport.stop(),
    get status() {
      return transport.status
    },
  }
  if (options.autoStart !== false) transport.start()
  return inspector
}
