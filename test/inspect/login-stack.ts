/**
 * A real login, for the inspector tests that watch one: the WeChat emulator
 * and the developer server on loopback, and mini-program apps on simulated
 * devices (`createSimulatedWx`) running the real login client, each with an
 * inspector of its own.
 */
import type { InspectionEvent, Observer } from 'xstate'
import { createLoginClient, wechatPlatform, type LoginClient } from '../../src/index.ts'
import type { WechatEmulator } from '../../src/emulator/index.ts'
import { simulatedPhone, startDevStack } from '../support/dev-stack.ts'
import { withCodeObserver } from '../support/observed-wx.ts'

export { TEST_APP_SECRET as APP_SECRET } from '../support/dev-stack.ts'

export interface LoginBackend {
  emulator: WechatEmulator
  baseUrl: string
  close(): Promise<void>
}

export async function startLoginBackend(): Promise<LoginBackend> {
  const { emulator, baseUrl, close } = await startDevStack({ logger: false })
  return { emulator, baseUrl, close }
}

export interface InspectedApp {
  auth: LoginClient
  /** Every code `wx.login` handed this app. */
  codes: string[]
}

/** An app on a new device, not started: its machine waits in `idle` until `auth.start()` or `ensureLogin()`. */
export function launchInspectedApp(backend: LoginBackend, inspect: Observer<InspectionEvent>): InspectedApp {
  const wx = simulatedPhone(backend.emulator.url, { timeoutMs: 5_000 })
  const codes: string[] = []
  const platform = withCodeObserver(wx, (code) => codes.push(code))
  const auth = createLoginClient({ platform: wechatPlatform(platform), server: { baseUrl: backend.baseUrl }, inspect })
  return { auth, codes }
}
