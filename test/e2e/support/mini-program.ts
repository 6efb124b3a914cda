/**
 * A mini-program as WeChat runs it: `App({...})` with the login client, on a
 * simulated device (`createSimulatedWx`) whose storage Map outlives the app,
 * so a relaunch is a new `App` over the same device.
 */
import { randomBytes } from 'node:crypto'
import { waitFor } from 'xstate'
import { createLoginClient, DEFAULT_STORAGE_KEY, wechatPlatform } from '../../../src/index.ts'
import type { LoginClient, LoginClientOptions, LoginSnapshot } from '../../../src/index.ts'
import type { SimulatedWx } from '../../../src/emulator/index.ts'
import { simulatedPhone } from '../../support/dev-stack.ts'
import { withCodeObserver } from '../../support/observed-wx.ts'
import { deferCleanup } from './cleanup.ts'

/**
 * Short step timeouts and retry delays, so a failing path ends in
 * milliseconds. The timeouts are only safety nets: no test waits for one.
 */
export const FAST_CLIENT: Pick<LoginClientOptions, 'timeouts' | 'retry'> = {
  timeouts: { readSession: 1_000, checkWxSession: 3_000, checkServerSession: 4_000, wxLogin: 4_000, serverLogin: 8_000 },
  retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 },
}

/** A phone: one WeChat user and the mini-program's storage on it. */
export interface Device {
  openid: string
  storage: Map<string, unknown>
}

export function newDevice(openid = `o-e2e-${randomBytes(8).toString('hex')}`): Device {
  return { openid, storage: new Map() }
}

interface AppInstance {
  auth: LoginClient
}

interface AppOptions extends AppInstance {
  onLaunch?(this: AppInstance): void
}

/** WeChat's `App()`: registers the app and runs `onLaunch` once with the app as `this`; answers what `getApp()` would. */
function App(options: AppOptions): AppInstance {
  options.onLaunch?.call(options)
  return options
}

export interface Where {
  /** The emulator's URL (what the simulated WeChat app talks to). */
  emulatorUrl: string
  /** The developer server. */
  baseUrl: string
}

export interface LaunchOptions {
  /** Default `true`: `onLaunch` calls `auth.start()`, as the README shows. */
  startOnLaunch?: boolean
  client?: Partial<Omit<LoginClientOptions, 'platform' | 'server'>>
  /** Sees every code `wx.login` hands the app (for the tests that make sure codes never leak). */
  onCode?: (code: string) => void
}

export interface LaunchedApp {
  wx: SimulatedWx
  auth: LoginClient
  /** Waits until the login flow is at rest: authenticated or failed. */
  settled(): Promise<LoginSnapshot>
  /** The session as stored on the device. */
  stored(): unknown
}

/** Launches the mini-program on `device`; the app is stopped after the test. */
export function launchApp(where: Where, device: Device, options: LaunchOptions = {}): LaunchedApp {
  const wx = simulatedPhone(where.emulatorUrl, { openid: device.openid, storage: device.storage, timeoutMs: 5_000 })
  const startOnLaunch = options.startOnLaunch ?? true
  const app = App({
    auth: createLoginClient({
      platform: wechatPlatform(options.onCode === undefined ? wx : withCodeObserver(wx, options.onCode)),
      server: { baseUrl: where.baseUrl },
      ...FAST_CLIENT,
      ...options.client,
    }),
    onLaunch() {
      if (startOnLaunch) this.auth.start()
    },
  })
  deferCleanup(() => app.auth.stop())
  return {
    wx,
    auth: app.auth,
    settled: () => waitFor(app.auth.actor, (s) => s.matches('authenticated') || s.matches('failed'), { timeout: 15_000 }),
    stored: () => device.storage.get(DEFAULT_STORAGE_KEY),
  }
}

/** The token of an authenticated snapshot (fails the test otherwise). */
export function tokenOf(snapshot: LoginSnapshot): string {
  const token = snapshot.context.session?.token
  if (snapshot.value !== 'authenticated' || token === undefined) {
    throw new Error(
      `expected an authenticated session, the client is in ${JSON.stringify(snapshot.value)} (${snapshot.context.error?.code ?? 'no error'})`,
    )
  }
  return token
}
