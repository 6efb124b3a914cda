/**
 * The two things under comparison, behind one shape: our client
 * (`createLoginClient`, optionally with `serverCheckWindowMs`) and the seed's
 * flow. Creating the launcher is part of the launch, so it is timed too.
 */
import { API_URL } from './simulated-services.ts'
import { createLoginClient } from '../src/index.ts'
import type { LoginClientOptions, PlatformRequestOptions, PlatformResponse, Session } from '../src/index.ts'
import { createSeedFlow } from './seed-flow.ts'
import type { SimulatedServices } from './simulated-services.ts'

export type Variant = 'seed' | 'ours' | 'oursWindow'

export const VARIANT_LABELS: Record<Variant, string> = {
  seed: 'seed flow',
  ours: 'ours',
  oursWindow: 'ours + serverCheckWindowMs',
}

export interface Launcher {
  /** `ensureLogin()` of the client, `login()` of the seed. */
  login(): Promise<Session>
  /** Re-checks a live session: `refresh()` of the client; the seed's `login()` again (its checks, with a session stored). */
  refresh(): Promise<Session>
  /** `request()` of the client or the seed's plain 401 wrapper. */
  request(options: PlatformRequestOptions): Promise<PlatformResponse>
  /** Stops the client (nothing to do for the seed). */
  dispose(): void
}

export interface LauncherOptions {
  /** Used by `oursWindow` only. */
  serverCheckWindowMs?: number
  /**
   * Our client's `maxConcurrentRequests`: the world's own limit. In the
   * unlimited world the client is told there is none (Infinity), as an app on
   * such a runtime would; under WeChat's limits it keeps its default, 10.
   */
  maxConcurrentRequests?: number
}

export function createLauncher(variant: Variant, services: SimulatedServices, options: LauncherOptions = {}): Launcher {
  const { platform, server } = services
  if (variant === 'seed') {
    const flow = createSeedFlow({ platform, server })
    return { login: flow.login, refresh: flow.login, request: flow.request, dispose: () => {} }
  }
  const clientOptions: LoginClientOptions = {
    platform,
    server,
    apiBaseUrl: API_URL,
    ...(options.maxConcurrentRequests === undefined ? {} : { maxConcurrentRequests: options.maxConcurrentRequests }),
  }
  if (variant === 'oursWindow') {
    if (options.serverCheckWindowMs === undefined) throw new TypeError("createLauncher: the 'oursWindow' variant needs serverCheckWindowMs")
    clientOptions.serverCheckWindowMs = options.serverCheckWindowMs
  }
  const client = createLoginClient(clientOptions)
  return { login: client.ensureLogin, refresh: client.refresh, request: client.request, dispose: client.stop }
}
