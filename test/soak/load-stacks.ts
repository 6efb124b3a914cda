/**
 * The server set-ups the load runs go against: one developer server over a
 * SQLite file, or two instances sharing one Redis. WeChat is the emulator.
 */
import type { WechatEmulator } from '../../src/emulator/index.ts'
import { createSqliteStore } from '../../src/server/index.ts'
import { createRedisStore } from '../../src/server/redis/index.ts'
import { startDevServer, startEmulator, tempDir } from '../reliability/support/e2e-stack.ts'
import { deleteKeys, REDIS_URL, uniquePrefix } from '../support/redis/index.ts'
import type { LoadTargets } from './load-run.ts'

export interface LoadStack {
  emulator: WechatEmulator
  targets: LoadTargets
  close(): Promise<void>
}

/** Generous: under load on two shared cores, WeChat (the emulator) may answer slowly. */
const CODE2SESSION_TIMEOUT_MS = 15_000

async function loadEmulator(): Promise<WechatEmulator> {
  // Each user logs in a handful of times at most; the default quota (100 a minute per user) is never near.
  return startEmulator()
}

export async function oneSqliteServer(): Promise<LoadStack> {
  const emulator = await loadEmulator()
  const dir = tempDir('load')
  const server = await startDevServer(emulator, createSqliteStore({ path: dir.file('sessions.db'), sweepIntervalMs: false }), {
    code2SessionTimeoutMs: CODE2SESSION_TIMEOUT_MS,
  })
  return {
    emulator,
    targets: { loginServer: () => server.baseUrl, checkServer: () => server.baseUrl },
    async close() {
      await server.app.close()
      await emulator.close()
      dir.cleanup()
    },
  }
}

/** Two instances over one Redis: users log in on one and are checked on the other. */
export async function twoRedisServers(): Promise<LoadStack> {
  const emulator = await loadEmulator()
  const keyPrefix = uniquePrefix('load')
  const servers = [
    await startDevServer(emulator, createRedisStore({ url: REDIS_URL, keyPrefix }), { code2SessionTimeoutMs: CODE2SESSION_TIMEOUT_MS }),
    await startDevServer(emulator, createRedisStore({ url: REDIS_URL, keyPrefix }), { code2SessionTimeoutMs: CODE2SESSION_TIMEOUT_MS }),
  ] as const
  const [a, b] = servers
  return {
    emulator,
    targets: {
      loginServer: (index) => (index % 2 === 0 ? a : b).baseUrl,
      checkServer: (index) => (index % 2 === 0 ? b : a).baseUrl,
    },
    async close() {
      for (const server of servers) await server.app.close()
      await emulator.close()
      await deleteKeys(keyPrefix)
    },
  }
}
