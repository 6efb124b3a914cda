/**
 * A real login, for the inspector tests that watch one: the WeChat emulator
 * and the developer server on loopback, and mini-program apps on simulated
 * devices (`createSimulatedWx`) running the real login client, each with an
 * inspector of its own.
 */
import { randomBytes } from 'node:crypto'
import type { InspectionEvent, Observer } from 'xstate'
import { createLoginClient, wechatPlatform, type LoginClient } from '../../src/index.ts'
import { createSimulatedWx, startWechatEmulator, type WechatEmulator } from '../../src/emulator/index.ts'
import { createServer, createSqliteStore } from '../../src/server/index.ts'
import { withCodeObserver } from '../support/observed-wx.ts'

const APP_ID = 'wxinspect0123456789'
/** Unique per run, so the page can be searched for it. */
export const APP_SECRET = `inspect-app-secret-${randomBytes(12).toString('hex')}`

export interface LoginBackend {
  emulator: WechatEmulator
  baseUrl: string
  close(): Promise<void>
}

export async function startLoginBackend(): Promise<LoginBackend> {
  const emulator = await startWechatEmulator({ appId: APP_ID, secret: APP_SECRET })
  const app = await createServer({
    logger: false,
    wechat: { appId: APP_ID, secret: APP_SECRET, apiBase: emulator.url },
    store: createSqliteStore({ path: ':memory:', sweepIntervalMs: false }),
  })
  const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' })
  return {
    emulator,
    baseUrl,
    close: async () => {
      await app.close()
      await emulator.close()
    },
  }
}

export interface InspectedApp {
  auth: LoginClient
  /** Every code `wx.login` handed this app. */
  codes: string[]
}

/** An app on a new device, not started: its machine waits in `idle` until `auth.start()` or `ensureLogin()`. */
export function launchInspectedApp(backend: LoginBackend, inspect: Observer<InspectionEvent>): InspectedApp {
  const wx = createSimulatedWx({ emulatorUrl: backend.emulator.url, defaultTimeoutMs: 5_000 })
  const codes: string[] = []
  const platform = withCodeObserver(wx, (code) => codes.push(code))
  const auth = createLoginClient({ platform: wechatPlatform(platform), server: { baseUrl: backend.baseUrl }, inspect })
  return { auth, codes }
}
