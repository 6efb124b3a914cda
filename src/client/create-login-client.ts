import { createActor, type InspectionEvent, type Observer, type SnapshotFrom } from 'xstate'
import { DEFAULT_STEP_TIMEOUTS, loginMachine, type LoginMachine, type RetryPolicy, type StepTimeouts } from '../../machines/index.ts'
import { LoginError, toLoginError } from '../contract/index.ts'
import { createRequestScheduler, type RequestScheduler } from '../platform/request-scheduler.ts'
import type { Platform, PlatformRequestOptions, PlatformResponse } from '../platform/types.ts'
import { type HttpSessionServerConfig, httpSessionServer, isSessionServer } from './http-session-server/http-session-server.ts'
import type { Session, SessionServer } from './http-session-server/types.ts'
import type { LoginClientAccount } from './account-methods.ts'
import { createAuthenticatedRequest, type LoginEra, type LoginHold } from './authenticated-request.ts'
import { type ClientEvents, createClientEvents, type LoginClientEventListener, type LoginClientEventType } from './client-events.ts'
import { type ClientEffects, createLoginEffects } from './login-effects.ts'
import { createServerClock } from './server-clock.ts'
import { DEFAULT_STORAGE_KEY, startStoredRead, storedSessionOf, type StoredRead } from './session-storage.ts'
import { createSingleFlight, type SingleFlight } from './single-flight.ts'
import { createBindPhoneNumber } from './phone-number.ts'
import { createRefreshSessionKey } from './session-key-refresh.ts'
import { withOneWxLogin } from './wx-login-gate.ts'
import { settleWithin } from './settled-or-after.ts'
import { checkedStepTimeouts, definedRetryPolicy } from './step-options.ts'

export interface LoginClientOptions {
  /** The mini-program runtime: `wechatPlatform(wx)` or any `Platform`. */
  platform: Platform
  /** Any `SessionServer`, or where the default HTTP developer server lives. */
  server: SessionServer | HttpSessionServerConfig
  /** Storage key of the session. */
  storageKey?: string
  /** Per-step timeouts in ms; an entry left `undefined` keeps the default, one no timer can wait (0, negative, `Infinity`) throws a `RangeError`. */
  timeouts?: Partial<StepTimeouts>
  retry?: Partial<RetryPolicy>
  /**
   * At launch, skip the developer-server check when the server confirmed the
   * stored session less than this many ms ago (in server time); `wx.checkSession`
   * still runs, and a session the server revoked meanwhile is caught by the 401
   * replay of `request()`. 0 (the default) asks the server at every launch.
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
  /**
   * At most this many of the client's platform requests at once (default 10,
   * `wx.request`'s limit); the login's own requests go ahead of queued
   * `request()` calls. Ignored when `requestScheduler` is given.
   */
  maxConcurrentRequests?: number
  /** A scheduler to share with the app's own `wx.request`/`uploadFile`/`downloadFile` calls (`createRequestScheduler`). */
  requestScheduler?: RequestScheduler
  /** XState's inspection hook (for `@statelyai/inspect` or the mini-program inspector). */
  inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void)
  /** Jitter source for the retry backoff; defaults to `Math.random`. */
  random?: () => number
  /** The device's clock; defaults to `Date.now`. The client judges time in the server's clock, measured from this one. */
  now?: () => number
}

export type LoginSnapshot = SnapshotFrom<LoginMachine>

/** A function that unsubscribes, with XState's `unsubscribe()` too. */
export type Unsubscribe = (() => void) & { unsubscribe(): void }

export interface LoginClient extends LoginClientAccount {
  /** Starts the flow if it is at rest in `idle`; does nothing otherwise. Ends a `logout()`'s hold. */
  start(): void
  /** The session, logging in first if needed. Concurrent callers share one flow. Always settles. Ends a `logout()`'s hold. */
  ensureLogin(): Promise<Session>
  /**
   * Re-checks a live session with WeChat and the developer server now (say, in
   * `onShow` after a long background). A failure that does not say the
   * session is gone rejects the refresh and keeps the session.
   */
  refresh(): Promise<Session>
  /** An HTTP request with the session's token; re-logs in and replays once on a 401. */
  request(options: PlatformRequestOptions): Promise<PlatformResponse>
  /**
   * Clears the session locally at once, tells the server, and resolves when
   * the server answered (or failed, or timed out; see `on('logout_error')`).
   * Works after `stop()` too. Until `ensureLogin()` or `start()`, nothing logs
   * in again by itself: waiting and later `request()`s reject with `aborted`.
   */
  logout(): Promise<void>
  getSnapshot(): LoginSnapshot
  /** Calls `listener` with every snapshot; a listener that throws is reported on the console, never thrown into the client. */
  subscribe(listener: (snapshot: LoginSnapshot) => void): Unsubscribe
  /** Failures that do not change the outcome: a storage read or write that failed, a server logout that failed. */
  on<T extends LoginClientEventType>(type: T, listener: LoginClientEventListener<T>): () => void
  /** Stops the machine; whoever still waits (for a login, or a `request()` for a slot) is rejected with `aborted`. */
  stop(): void
  /** The scheduler of the client's platform requests: `inFlight`, `queued`, and `schedule()` for the app's own calls. */
  readonly requestScheduler: RequestScheduler
  /** The running XState actor, for inspection. */
  readonly actor: ReturnType<typeof createActor<LoginMachine>>
}

function toUnsubscribe(unsubscribe: () => void): Unsubscribe {
  const fn = () => unsubscribe()
  return Object.assign(fn, { unsubscribe: fn })
}

function loggedOutError(what: string): LoginError {
  return new LoginError('aborted', `${what}: logged out; call ensureLogin() or start() to log in again`)
}

/**
 * Set by `logout()`, ended by `ensureLogin()` or `start()`: no login starts by
 * itself meanwhile. Each logout begins a new era, so a request from before it
 * is never replayed after it. (An object, not two closures per client.)
 */
class LogoutHold implements LoginHold {
  loggedOut = false
  era: LoginEra = { owner: {} }

  constructor(private readonly flight: SingleFlight) {}

  ensureLogin(what: string): Promise<Session> {
    return this.loggedOut ? Promise.reject(loggedOutError(what)) : this.flight.ensureLogin()
  }
}

interface LogoutDeps {
  actor: ReturnType<typeof createActor<LoginMachine>>
  platform: Platform
  storageKey: string
  events: ClientEvents
  effects: ClientEffects
}

/** The session a started storage read holds, for a logout that has none in memory; `null` when there is none or the read failed or timed out (reported). */
async function storedForLogout({ actor, events, effects }: LogoutDeps, started: StoredRead): Promise<Session | null> {
  const { timeouts } = actor.getSnapshot().context
  // An asynchronous storage that never answers must not keep logout() waiting: the machine's read timeout bounds it here too.
  const read = await settleWithin(storedSessionOf(started), timeouts.readSession)
  if (read.status === 'fulfilled') return read.value
  if (read.status === 'rejected')
    events.emit({ type: 'storage_error', operation: 'read', error: toLoginError(read.reason, 'storage_error') })
  else effects.reportReadTimeout(new LoginError('timeout', `readSession did not answer within ${timeouts.readSession} ms`))
  return null
}

/** Logout once the actor is stopped: the same effects, run by hand. */
async function logoutStopped(deps: LogoutDeps): Promise<void> {
  const session =
    deps.actor.getSnapshot().context.session ?? (await storedForLogout(deps, startStoredRead(deps.platform.storage, deps.storageKey)))
  deps.effects.clearSession()
  deps.effects.notifyServerLogout(session)
}

/**
 * Logout of a running actor. Before the machine has read storage (`idle`, never
 * started; `checkingStorage`) it holds no session, yet storage may: what storage
 * holds is taken before the machine clears it, so the server ends that session
 * too, not only the device. The machine is told at once all the same.
 */
async function logoutRunning(deps: LogoutDeps): Promise<void> {
  const { actor, effects } = deps
  const snapshot = actor.getSnapshot()
  const unread = snapshot.context.session === null && (snapshot.matches('idle') || snapshot.matches('checkingStorage'))
  const started = unread ? startStoredRead(deps.platform.storage, deps.storageKey) : null
  actor.send({ type: 'LOGOUT' })
  if (started) effects.notifyServerLogout(await storedForLogout(deps, started))
}

export function createLoginClient(options: LoginClientOptions): LoginClient {
  const timeouts = checkedStepTimeouts(options.timeouts)
  const retry = definedRetryPolicy(options.retry)
  // Every wx.login of this client, the machine's and refreshSessionKey()'s, goes through one gate.
  const platform = withOneWxLogin(options.platform)
  const storageKey = options.storageKey ?? DEFAULT_STORAGE_KEY
  const clock = createServerClock(options.now ?? Date.now)
  const scheduler = options.requestScheduler ?? createRequestScheduler({ maxConcurrent: options.maxConcurrentRequests })
  const flowRequests = {}
  const serverConfig = isSessionServer(options.server) ? undefined : options.server
  const server = serverConfig
    ? httpSessionServer({
        ...serverConfig,
        // The flow's own login and check are this client's: stop() drops them while they wait for a slot.
        // An account call belongs to the era it was sent in, as a request() does: a logout() or stop() drops it
        // while it waits. A logout goes out whenever a slot frees.
        request: (opts, route) =>
          scheduler.schedule(() => platform.request(opts), {
            priority: 'login',
            owner: route === 'login' || route === 'check' ? flowRequests : route === 'logout' ? undefined : hold.era.owner,
          }),
        onServerTime: (serverNow) => clock.observe(serverNow),
      })
    : (options.server as SessionServer)
  const events = createClientEvents()
  const effects = createLoginEffects({
    platform,
    server,
    storageKey,
    events,
    clock,
    random: options.random ?? Math.random,
    logoutTimeoutMs: timeouts.serverLogin ?? DEFAULT_STEP_TIMEOUTS.serverLogin,
  })

  const actor = createActor(loginMachine, {
    input: {
      effects,
      ...(options.timeouts && { timeouts }),
      ...(options.retry && { retry }),
      ...(options.serverCheckWindowMs !== undefined && { serverCheckWindowMs: options.serverCheckWindowMs }),
    },
    ...(options.inspect && { inspect: options.inspect }),
  })
  actor.start()

  const flight = createSingleFlight(actor, clock)
  const hold = new LogoutHold(flight)
  const request = createAuthenticatedRequest({
    actor,
    platform,
    scheduler,
    hold,
    apiBaseUrl: options.apiBaseUrl ?? serverConfig?.baseUrl,
    trustedOrigins: options.trustedOrigins ?? [],
    tokenHeader: options.tokenHeader ?? serverConfig?.tokenHeader ?? 'Authorization',
  })

  // After a logout these wait for a login the app asked for, like request(), and a logout() or stop() ends them.
  const bindPhoneNumber = createBindPhoneNumber({ actor, server, hold })
  const refreshSessionKey = createRefreshSessionKey({
    actor,
    server,
    platform,
    hold,
    // A method, so that tsx's and esbuild's name-keeping wraps nothing per client.
    wxLoginTimeoutMs() {
      return actor.getSnapshot().context.timeouts.wxLogin
    },
  })

  return {
    actor,
    requestScheduler: scheduler,
    bindPhoneNumber,
    refreshSessionKey,
    start() {
      hold.loggedOut = false
      if (actor.getSnapshot().status === 'active' && actor.getSnapshot().matches('idle')) actor.send({ type: 'START' })
    },
    ensureLogin() {
      hold.loggedOut = false
      return flight.ensureLogin()
    },
    refresh() {
      return hold.loggedOut ? Promise.reject(loggedOutError('refresh()')) : flight.refresh()
    },
    request,
    async logout() {
      hold.loggedOut = true
      const ended = hold.era
      hold.era = { owner: {} }
      scheduler.cancelQueued(ended.owner, loggedOutError('request()'))
      const deps = { actor, platform, storageKey, events, effects }
      if (actor.getSnapshot().status === 'active') await logoutRunning(deps)
      else await logoutStopped(deps)
      // Locally the user is logged out already; the server gets as long as a server login would.
      await effects.takePendingLogout()
    },
    getSnapshot() {
      return actor.getSnapshot()
    },
    subscribe(listener) {
      const subscription = actor.subscribe((snapshot) => {
        try {
          listener(snapshot)
        } catch (error) {
          // A broken listener must not break the login; surface it where developers look.
          console.error('miniprogram-login: a subscribe() listener threw', error)
        }
      })
      return toUnsubscribe(() => subscription.unsubscribe())
    },
    on: events.on,
    stop() {
      // Requests waiting for a slot wait on this client too: they must not go out, token and all, once it stopped.
      const ended = hold.era
      hold.era = { owner: {} }
      const stopped = new LoginError('aborted', 'request(): the login client was stopped')
      scheduler.cancelQueued(ended.owner, stopped)
      // A server login still waiting would spend the code and make a session nobody keeps (the stopped machine hears no answer).
      scheduler.cancelQueued(flowRequests, stopped)
      flight.dispose()
      actor.stop()
    },
  }
}
