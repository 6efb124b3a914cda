/**
 * The server set-ups the load runs go against: one developer server over a
 * SQLite file, or two instances sharing Redis (standalone or Cluster). WeChat
 * is the emulator.
 */
import type { FastifyInstance } from 'fastify'
import type { WechatEmulator } from '../../src/emulator/index.ts'
import { createSqliteStore } from '../../src/server/index.ts'
import type { LoginRateLimitOptions } from '../../src/server/index.ts'
import { createRedisStore } from '../../src/server/redis/index.ts'
import type { RedisStoreOptions } from '../../src/server/redis/index.ts'
import { startDevServer, startEmulator, tempDir } from '../reliability/support/e2e-stack.ts'
import type { ServerHandle } from '../reliability/support/e2e-stack.ts'
import type { LoadTargets } from './load-run.ts'

export interface LoadStack {
  emulator: WechatEmulator
  targets: LoadTargets
  /** The server instances, in the order the targets use them. */
  servers: readonly ServerHandle[]
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
    servers: [server],
    targets: { loginServer: () => server.baseUrl, checkServer: () => server.baseUrl },
    async close() {
      await server.app.close()
      await emulator.close()
      dir.cleanup()
    },
  }
}

export interface TwoServerOptions {
  /** Where both instances keep sessions: `{ url }` or `{ cluster: nodes }`, plus a key prefix of the run's own. */
  redis: Pick<RedisStoreOptions, 'keyPrefix'> & ({ url: string } | { cluster: ReadonlyArray<{ host: string; port: number }> })
  /** Default: off. */
  rateLimit?: LoginRateLimitOptions | false
  /** Called on each instance before it listens (to count answers, say). */
  beforeListen?: (app: FastifyInstance) => void
}

/** Two instances over one Redis: users log in on one and are checked on the other. */
export async function twoRedisServers(options: TwoServerOptions): Promise<LoadStack> {
  const emulator = await loadEmulator()
  const serverOptions = {
    code2SessionTimeoutMs: CODE2SESSION_TIMEOUT_MS,
    rateLimit: options.rateLimit ?? false,
    ...(options.beforeListen === undefined ? {} : { beforeListen: options.beforeListen }),
  }
  const servers = [
    await startDevServer(emulator, createRedisStore(options.redis), serverOptions),
    await startDevServer(emulator, createRedisStore(options.redis), serverOptions),
  ] as const
  const [a, b] = servers
  return {
    emulator,
    servers,
    targets: {
      loginServer: (index) => (index % 2 === 0 ? a : b).baseUrl,
      checkServer: (index) => (index % 2 === 0 ? b : a).baseUrl,
    },
    async close() {
      for (const server of servers) await server.app.close()
      await emulator.close()
    },
  }
}
