/**
 * The real other side of a mini-program login, on loopback: the WeChat
 * emulator (code2Session over HTTP) and the developer server (`createServer`
 * with a SQLite store in a temp folder), plus `GET /api/me`, an authenticated
 * route of the kind an app adds (`app.authenticate`).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { FastifyInstance } from 'fastify'
import type { SimulatedWx, WechatEmulator } from '../../src/emulator/index.ts'
import { createSqliteStore } from '../../src/server/index.ts'
import { simulatedPhone, startDevStack, type DevStack } from '../support/dev-stack.ts'

export { TEST_APP_ID as APP_ID, TEST_APP_SECRET as APP_SECRET } from '../support/dev-stack.ts'

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
  let meCalls = 0
  let stack: DevStack
  try {
    stack = await startDevStack({
      store: createSqliteStore({ path: path.join(dataDir, 'sessions.db'), sweepIntervalMs: false }),
      rateLimit: false,
      routes: (app) => {
        app.get('/api/me', { preHandler: app.authenticate }, async (request): Promise<MeAnswer> => {
          const openid = request.loginSession?.openid
          if (openid === undefined) throw new Error('authenticate let a request through without a session')
          meCalls += 1
          return { openid }
        })
      },
    })
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true })
    throw error
  }
  const { emulator } = stack
  return {
    emulator,
    app: stack.app,
    baseUrl: stack.baseUrl,
    get meCalls() {
      return meCalls
    },
    device: () => simulatedPhone(emulator.url, { timeoutMs: 10_000 }),
    relaunch: (device) => simulatedPhone(emulator.url, { timeoutMs: 10_000, openid: device.sim.openid, storage: device.sim.storage }),
    async close() {
      await stack.close()
      await rm(dataDir, { recursive: true, force: true })
    },
  }
}
