/**
 * Regression (found by redis-outage.test.ts; fixed in machines/login.machine.ts,
 * guard `isRejectedCodeAfterRetry`).
 *
 * While the session store is down, `POST /auth/login` first trades the code
 * with WeChat (which uses it up) and only then fails to store the session:
 * 503 `upstream_unavailable` (src/server/routes/auth.ts, the login handler:
 * `code2Session.exchange` before `loginSessions.issue`). The client treats
 * the 503 as transient and retries the same code (machines/login.machine.ts,
 * serverLogin `canRetry`), which WeChat now answers `code been used`; after
 * its one fresh code it ends in `failed` with `code_used`, a permanent error,
 * although the real cause (the store) is transient and the app should retry.
 *
 * Expected: the client reports a transient `server_error` while the store
 * is down (for example: the server checks the store before spending the
 * code, and/or the client keeps the transient error when a retry of the same
 * code comes back `code_used`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { WechatEmulator } from '../../src/emulator/index.ts'
import { isLoginError } from '../../src/contract/index.ts'
import { createRedisStore } from '../../src/server/redis/index.ts'
import { createDevice, outcomeOf, startDevServer, startEmulator, type ServerHandle } from './support/e2e-stack.ts'
import { refusedPort } from '../support/tcp-fault-proxy.ts'

let emulator: WechatEmulator
let server: ServerHandle

beforeAll(async () => {
  emulator = await startEmulator()
  const port = await refusedPort()
  const store = createRedisStore({ url: `redis://127.0.0.1:${port}`, connectTimeoutMs: 200, operationTimeoutMs: 500 })
  server = await startDevServer(emulator, store)
})
afterAll(async () => {
  await server.app.close()
  await emulator.close()
})

describe('login while the session store is down', () => {
  it('fails with a transient server_error, not a permanent code_used', async () => {
    const device = createDevice(emulator, server.baseUrl)
    try {
      const outcome = await outcomeOf(device.client.ensureLogin())
      const error = outcome.ok ? undefined : outcome.error
      expect(isLoginError(error) && { code: error.code, transient: error.transient }).toEqual({ code: 'server_error', transient: true })
    } finally {
      device.client.stop()
    }
  })
})
