/**
 * The Redis session store goes away: pointed at a port where nothing
 * listens, or cut off mid-run by a TCP fault proxy in front of the real Redis. Every
 * route answers a clear 503 `upstream_unavailable` (no 500, no stack trace,
 * no internals), the client fails with a typed transient error, and once
 * Redis is reachable again the same server instance recovers by itself.
 */
import type { LightMyRequestResponse } from 'fastify'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { WechatEmulator } from '../../src/emulator/index.ts'
import { isLoginError } from '../../src/contract/index.ts'
import { createRedisStore } from '../../src/server/redis/index.ts'
import {
  createDevice,
  eventually,
  outcomeOf,
  settlesWithin,
  startDevServer,
  startEmulator,
  type ServerHandle,
} from './support/e2e-stack.ts'
import { internalsIn } from './support/leaks.ts'
import { deleteKeys, REDIS_PORT, uniquePrefix } from '../support/redis/index.ts'
import { refusedPort, startTcpFaultProxy, type TcpFaultProxy } from '../support/tcp-fault-proxy.ts'

const prefix = uniquePrefix('outage')
let emulator: WechatEmulator
const cleanups: Array<() => Promise<void> | void> = []

beforeAll(async () => {
  emulator = await startEmulator()
})
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})
afterAll(async () => {
  await emulator.close()
  await deleteKeys(prefix)
})

const BOGUS_TOKEN = 'A'.repeat(43)

function expectCleanUnavailable(response: LightMyRequestResponse, what: string): void {
  expect(response.statusCode, what).toBe(503)
  expect(response.json(), what).toMatchObject({ error: 'upstream_unavailable' })
  expect(internalsIn(response.body), `${what}: ${response.body}`).toEqual([])
}

async function everyRouteUnavailable(server: ServerHandle): Promise<void> {
  const { app } = server
  const code = await emulator.issueCode()
  const auth = { authorization: `Bearer ${BOGUS_TOKEN}` }
  expectCleanUnavailable(await app.inject({ method: 'POST', url: '/auth/login', payload: { code } }), 'login')
  expectCleanUnavailable(await app.inject({ method: 'POST', url: '/auth/session', headers: auth }), 'session')
  expectCleanUnavailable(await app.inject({ method: 'POST', url: '/auth/logout', headers: auth }), 'logout')
  expectCleanUnavailable(await app.inject({ method: 'GET', url: '/me', headers: auth }), 'an app route behind authenticate')
  const health = await app.inject({ method: 'GET', url: '/healthz' })
  expect(health.statusCode).toBe(503)
  expect(health.json()).toMatchObject({ status: 'unavailable', error: 'upstream_unavailable' })
  expect(internalsIn(health.body)).toEqual([])
}

describe('Redis unreachable', () => {
  it('answers 503 upstream_unavailable on every route when Redis never answered (closed port)', async () => {
    const port = await refusedPort()
    const store = createRedisStore({ url: `redis://127.0.0.1:${port}`, keyPrefix: prefix, connectTimeoutMs: 200, operationTimeoutMs: 500 })
    const server = await startDevServer(emulator, store)
    cleanups.push(() => server.app.close())

    await everyRouteUnavailable(server)

    const device = createDevice(emulator, server.baseUrl)
    cleanups.push(() => device.client.stop())
    const outcome = await settlesWithin(outcomeOf(device.client.ensureLogin()), 15_000, 'ensureLogin with Redis down')
    expect(outcome.ok).toBe(false)
    // Transient: the store is down, not the code (see store-outage-keeps-transient-error.test.ts).
    expect(isLoginError(outcome.ok ? undefined : outcome.error)).toBe(true)
    expect(outcome.ok ? undefined : outcome.error).toMatchObject({ transient: true })
    expect(device.client.getSnapshot().matches('failed')).toBe(true)
  })

  it('recovers without a restart once Redis is back, and keeps the sessions Redis kept', async () => {
    const proxy: TcpFaultProxy = await startTcpFaultProxy(REDIS_PORT)
    cleanups.push(() => proxy.close())
    const store = createRedisStore({
      url: `redis://127.0.0.1:${proxy.port}`,
      keyPrefix: prefix,
      connectTimeoutMs: 300,
      operationTimeoutMs: 500,
    })
    const server = await startDevServer(emulator, store)
    cleanups.push(() => server.app.close())

    const early = createDevice(emulator, server.baseUrl)
    cleanups.push(() => early.client.stop())
    const earlySession = await early.client.ensureLogin()

    await proxy.cut()
    await everyRouteUnavailable(server)
    const late = createDevice(emulator, server.baseUrl)
    cleanups.push(() => late.client.stop())
    const outcome = await settlesWithin(outcomeOf(late.client.ensureLogin()), 15_000, 'ensureLogin during the outage')
    expect(outcome.ok).toBe(false)
    expect(isLoginError(outcome.ok ? undefined : outcome.error)).toBe(true)

    await proxy.restore()
    // ioredis reconnects in the background; the health check says when.
    await eventually(async () => (await server.app.inject({ method: 'GET', url: '/healthz' })).statusCode === 200, 'the store to reconnect')

    const lateSession = await settlesWithin(late.client.ensureLogin(), 15_000, 'ensureLogin after the outage')
    expect(lateSession.token).not.toBe(earlySession.token)
    expect(await late.client.request({ url: '/me' })).toMatchObject({ statusCode: 200, data: { openid: late.openid } })
    // The session made before the outage is still there: Redis kept it, nobody had to log in again.
    const session = await server.app.inject({
      method: 'POST',
      url: '/auth/session',
      headers: { authorization: `Bearer ${earlySession.token}` },
    })
    expect(session.statusCode).toBe(200)
    expect(await early.client.request({ url: '/me' })).toMatchObject({ statusCode: 200, data: { openid: early.openid } })
  })
})
