import { createActor, type InspectionEvent, type Observer, type SnapshotFrom } from 'xstate'
import type { RetryPolicy, StepTimeouts } from '../../machines/index.ts'
import type { Platform, PlatformRequestOptions, PlatformResponse } from '../platform/types.ts'
import { type HttpSessionServerConfig, httpSessionServer, isSessionServer } from './http-session-server/http-session-server.ts'
import type { Session, SessionServer } from './http-session-server/types.ts'
import type { LoginClientAccount } from './account-methods.ts'
import { createAuthenticatedRequest } from './authenticated-request.ts'
import { createClientEvents, type LoginClientEventListener, type LoginClientEventType } from './client-events.ts'
import { type ProvidedLoginMachine, provideLoginMachine } from './provide-machine.ts'
import { DEFAULT_STORAGE_KEY } from './session-storage.ts'
import { settledOrAfter } from './settled-or-after.ts'
import { createSingleFlight } from './single-flight.ts'
import { createBindPhoneNumber } from './phone-number.ts'
import { createRefreshSessionKey } from './session-key-refresh.ts'
import { withOneWxLogin } from './wx-login-gate.ts'

export interface LoginClientOptions {
  /** The mini-program runtime: `wechatPlatform(wx)` or any `Platform`. */
  platform: Platform
  /** Any `SessionServer`, or where the default HTTP developer server lives. */
  server: SessionServer | HttpSessionServerConfig
  /** Storage key of the session. */
  storageKey?: string
  /** Per-step timeouts in ms. */
  timeouts?: Partial<StepTimeouts>
  retry?: Partial<RetryPolicy>
  /**
   * At launch, skip the developer-server check when the server confirmed the
   * stored session less than this many ms ago; `wx.checkSession` still runs,
   * and a session the server revoked meanwhile is caught by the 401 replay of
   * `request()`. 0 (the default) asks the server at every launch.
   */
  serverCheckWindowMs?: number
  /** Base URL for `request()` with relative URLs; defaults to `server.baseUrl` when `server` is the HTTP options. */
  apiBaseUrl?: string
  /**
   * Origins besides `apiBaseUrl`'s that `request()` may send the token to
   * (`https://host[:port]`). Any other absolute URL is refused with
   * `invalid_request`: a token sent to a third party is a token given away.
   */
  trustedOrigins?: readonly string[]
  /** Header that carries the token on `request()`; defaults to `server.tokenHeader`, else `Authorization`. */
  tokenHeader?: string
  /** XState's inspection hook (for `@statelyai/inspect` or the mini-program inspector). */
  inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void)
  /** Jitter source for the retry backoff; defaults to `Math.random`. */
  random?: () => number
}

export type LoginSnapshot = SnapshotFrom<ProvidedLoginMachine>

/** A function that unsubscribes, with XState's `unsubscribe()` too. */
export type Unsubscribe = (() => void) & { unsubscribe(): void }

export interface LoginClient extends LoginClientAccount {
  /** Starts the flow if it is at rest in `idle`; does nothing otherwise. */
  start(): void
  /** The session, logging in first if needed. Concurrent callers share one flow. Always settles. */
  ensureLogin(): Promise<Session>
  /** Re-checks a live session with WeChat and the developer server now (say, in `onShow` after a long background). */
  refresh(): Promise<Session>
  /** An HTTP request with the session's token; re-logs in and replays once on a 401. */
  request(options: PlatformRequestOptions): Promise<PlatformResponse>
  /** Clears the session locally at once, tells the server, and resolves when the server answered (or failed; see `on('logout_error')`). */
  logout(): Promise<void>
  getSnapshot(): LoginSnapshot
  subscribe(listener: (snapshot: LoginSnapshot) => void): Unsubscribe
  /** Failures that do not change the outcome: a storage write that failed, a server logout that failed. */
  on<T extends LoginClientEventType>(type: T, listener: LoginClientEventListener<T>): () => void
  /** Stops the machine; whoever still waits is rejected with `aborted`. */
  stop(): void
  /** The running XState actor, for inspection. */
  readonly actor: ReturnType<typeof createActor<ProvidedLoginMachine>>
}

function toUnsubscribe(unsubscribe: () => void): Unsubscribe {
  const fn = () => unsubscribe()
  return Object.assign(fn, { unsubscribe: fn })
}

export function createLoginClient(options: LoginClientOptions): LoginClient {
  // Every wx.login of this client, the machine's and refreshSessionKey()'s, goes through one gate.
  const platform = withOneWxLogin(options.platform)
  const server = isSessionServer(options.server)
    ? options.server
    : httpSessionServer({ ...options.server, request: (opts) => platform.request(opts) })
  const serverConfig = isSessionServer(options.server) ? undefined : options.server
  const events = createClientEvents()
  let serverLogout: Promise<void> = Promise.resolve()

  const machine = provideLoginMachine({
    platform,
    server,
    storageKey: options.storageKey ?? DEFAULT_STORAGE_KEY,
    events,
    random: options.random ?? Math.random,
    onServerLogout: (pending) => {
      serverLogout = pending
    },
  })
  const actor = createActor(machine, {
    input: {
      ...(options.timeouts && { timeouts: options.timeouts }),
      ...(options.retry && { retry: options.retry }),
      ...(options.serverCheckWindowMs !== undefined && { serverCheckWindowMs: options.serverCheckWindowMs }),
    },
    ...(options.inspect && { inspect: options.inspect }),
  })
  actor.start()

  const flight = createSingleFlight(actor)
  const request = createAuthenticatedRequest({
    actor,
    platform,
    ensureLogin: flight.ensureLogin,
    apiBaseUrl: options.apiBaseUrl ?? serverConfig?.baseUrl,
    trustedOrigins: options.trustedOrigins ?? [],
    tokenHeader: options.tokenHeader ?? serverConfig?.tokenHeader ?? 'Authorization',
  })

  const bindPhoneNumber = createBindPhoneNumber({ actor, server, ensureLogin: flight.ensureLogin })
  const refreshSessionKey = createRefreshSessionKey({
    actor,
    server,
    platform,
    ensureLogin: flight.ensureLogin,
    wxLoginTimeoutMs: () => actor.getSnapshot().context.timeouts.wxLogin,
  })

  return {
    actor,
    bindPhoneNumber,
    refreshSessionKey,
    start() {
      if (actor.getSnapshot().status === 'active' && actor.getSnapshot().matches('idle')) actor.send({ type: 'START' })
    },
    ensureLogin: flight.ensureLogin,
    refresh: flight.refresh,
    request,
    async logout() {
      serverLogout = Promise.resolve()
      const limitMs = actor.getSnapshot().context.timeouts.serverLogin
      actor.send({ type: 'LOGOUT' })
      // Locally the user is logged out already; the server gets as long as a server login would.
      await settledOrAfter(serverLogout, limitMs)
    },
    getSnapshot: () => actor.getSnapshot(),
    subscribe(listener) {
      const subscription = actor.subscribe(listener)
      return toUnsubscribe(() => subscription.unsubscribe())
    },
    on: events.on,
    stop() {
      flight.dispose()
      actor.stop()
    },
  }
}
