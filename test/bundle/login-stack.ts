/**
 * The real other side of a mini-program login, on loopback: the WeChat
 * emulator (code2Session over HTTP) and the developer server (`createServer`
 * with a SQLite store in a temp folder), plus `GET /api/me`, an authenticated
 * route of the kind an app adds (`app.authenticate`).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { FastifyInstance } from 'fastify'
import { createSimulatedWx, startWechatEmulator, type SimulatedWx, type WechatEmulator } from '../../src/emulator/index.ts'
import { createServer, createSqliteStore } from '../../src/server/index.ts'

export const APP_ID = 'wx5e1f0c2d3b4a6978'
export const APP_SECRET = 'bundle-test-app-secret-3f9c2a71d48e'

/** What `GET /api/me` answers. */
export interface MeAnswer {
  openid: string
}

export interface LoginStack {
  emulator: WechatEmulator
  app: FastifyInstance
  /** The developer server, e.g. `http://127.0.0.1:53117`. */
  baseUrl: string
  /** How many times `/api/me` answered 200. */
  readonly meCalls: number
  /** A new simulated phone with a new WeChat user. */
  device(): SimulatedWx
  /** The same phone after the mini-program was closed and opened again: same user, same storage. */
  relaunch(device: SimulatedWx): SimulatedWx
  close(): Promise<void>
}

export async function startLoginStack(): Promise<LoginStack> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'mpl-bundle-'))
  const emulator = await startWechatEmulator({ appId: APP_ID, secret: APP_SECRET })
  let meCalls = 0
  let app: FastifyInstance | undefined
  try {
    app = await createServer({
      wechat: { appId: APP_ID, secret: APP_SECRET, apiBase: emulator.url },
      store: createSqliteStore({ path: path.join(dataDir, 'sessions.db'), sweepIntervalMs: false }),
      rateLimit: false,
    })
    app.get('/api/me', { preHandler: app.authenticate }, async (request): Promise<MeAnswer> => {
      const openid = request.loginSession?.openid
      if (openid === undefined) throw new Error('authenticate let a request through without a session')
      meCalls += 1
      return { openid }
    })
    await app.listen({ host: '127.0.0.1', port: 0 })
  } catch (error) {
    await app?.close().catch(() => {})
    await emulator.close()
    await rm(dataDir, { recursive: true, force: true })
    throw error
  }
  const running = app
  const { port } = running.server.address() as AddressInfo
  return {
    emulator,
    app: running,
    baseUrl: `http://127.0.0.1:${port}`,
    get meCalls() {
      return meCalls
    },
    device: () => createSimulatedWx({ emulatorUrl: emulator.url, defaultTimeoutMs: 10_000 }),
    relaunch: (device) =>
      createSimulatedWx({ emulatorUrl: emulator.url, defaultTimeoutMs: 10_000, openid: device.sim.openid, storage: device.sim.storage }),
    async close() {
      await running.close()
      await emulator.close()
      await rm(dataDir, { recursive: true, force: true })
    },
  }
}
