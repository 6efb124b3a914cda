/** `startDevServer`, the heart of `npm start`, started and stopped in this process. */
import { createServer as createNetServer, connect } from 'node:net'
import type { AddressInfo } from 'node:net'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { DEMO_ME_PATH, DEV_EMULATOR_APP_ID, readDevServerConfig, startDevServer } from '../../src/local-dev/index.ts'
import type { DevServer } from '../../src/local-dev/index.ts'
import Database from 'better-sqlite3'
import { hashSessionToken } from '../../src/server/tokens.ts'
import { APP_ID, APP_SECRET, startEmulator } from './support/backend.ts'
import { deferCleanup, runCleanups } from './support/cleanup.ts'
import { launchApp, newDevice, tokenOf } from './support/mini-program.ts'
import { keysUnder, REDIS_URL } from '../support/redis/index.ts'
import { redisPrefixForTest } from './support/cleanup.ts'
import { tmpDirForTest } from './support/tmp-dir.ts'

afterEach(runCleanups)

async function start(env: Record<string, string>, log?: (line: string) => void): Promise<DevServer> {
  const server = await startDevServer(
    readDevServerConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...env }),
    log ? { log } : {},
  )
  deferCleanup(() => server.close())
  return server
}

async function login(server: DevServer, code: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${server.urls.local}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code }),
  })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

/** `true` when something accepts TCP connections on 127.0.0.1:port. */
function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

/** A port that was free a moment ago. */
async function freePort(): Promise<number> {
  const probe = createNetServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const { port } = probe.address() as AddressInfo
  await new Promise<void>((resolve) => probe.close(() => resolve()))
  return port
}

/** The stored rows of a token, as a leaked file would show them: the session's openid, and its user's session_key sealed. */
function storedRecord(path: string, token: string): { openid: string; session_key: string } | undefined {
  const db = new Database(path, { readonly: true })
  try {
    return db
      .prepare('SELECT s.openid, u.session_key FROM sessions s JOIN users u ON u.openid = s.openid WHERE s.token_hash = ?')
      .get(hashSessionToken(token)) as { openid: string; session_key: string } | undefined
  } finally {
    db.close()
  }
}

describe('without WX_APPID / WX_SECRET', () => {
  it('starts the emulator beside the server; a mini-program logs in; close() stops both and the session stays on disk', async () => {
    const path = join(tmpDirForTest('dev-emulator'), 'sessions.db')
    const lines: string[] = []
    const server = await start({ SQLITE_PATH: path }, (line) => lines.push(line))

    expect(server.port).toBeGreaterThan(0)
    expect(server.urls.local).toBe(`http://127.0.0.1:${server.port}`)
    expect(server.emulator).toBeDefined()
    const emulator = server.emulator!
    expect(server.wechat).toEqual({ kind: 'emulator', url: emulator.url, appId: DEV_EMULATOR_APP_ID })
    expect(server.store).toEqual({ kind: 'sqlite', path })

    const device = newDevice()
    const app = launchApp({ emulatorUrl: emulator.url, baseUrl: server.urls.local }, device)
    const token = tokenOf(await app.settled())
    expect(emulator.stats()).toMatchObject({ code2Session: 1, code2SessionOk: 1 })
    expect((await fetch(`${server.urls.local}/healthz`)).status).toBe(200)
    expect(lines.some((line) => line.startsWith('[wechat-emulator] GET /sns/jscode2session -> 200 ok'))).toBe(true)
    expect(lines.filter((line) => line.includes(token))).toEqual([])
    const sessionKey = emulator.sessionKeyOf(device.openid)
    expect(sessionKey).toBeDefined()
    app.auth.stop()

    const emulatorPort = Number(new URL(emulator.url).port)
    await server.close()
    expect(await isListening(server.port)).toBe(false)
    expect(await isListening(emulatorPort)).toBe(false)
    await server.close() // idempotent
    // Sealed with the key npm start generated for this run.
    expect(server.encryption).toEqual({ kind: 'sealed', keyId: expect.stringMatching(/^dev-[0-9a-f]{8}$/), generated: true })
    expect(storedRecord(path, token)).toMatchObject({ openid: device.openid, session_key: expect.stringMatching(/^v1\.dev-/) })
    const files = Buffer.concat([readFileSync(path), existsSync(`${path}-wal`) ? readFileSync(`${path}-wal`) : Buffer.alloc(0)])
    expect(files.includes(Buffer.from(sessionKey!))).toBe(false)
  })

  it('answers codes only from its own emulator: a made-up code gets 401 invalid_code', async () => {
    const server = await start({ SQLITE_PATH: join(tmpDirForTest('dev-invalid'), 'sessions.db') })
    expect(await login(server, 'a-code-from-real-wechat')).toEqual({
      status: 401,
      body: { error: 'invalid_code', message: expect.any(String) },
    })
  })
})

describe('with WX_APPID / WX_SECRET (WX_API_BASE points at a WeChat stand-in)', () => {
  it('starts no emulator, and close() lets a login in flight finish before the store closes', async () => {
    const path = join(tmpDirForTest('dev-inflight'), 'sessions.db')
    const emulator = await startEmulator()
    const held = emulator.faultsOf('code2Session').holdNext(1)
    const server = await start({ WX_APPID: APP_ID, WX_SECRET: APP_SECRET, WX_API_BASE: emulator.url, SQLITE_PATH: path })
    expect(server.emulator).toBeUndefined()
    expect(server.wechat).toEqual({ kind: 'wechat', apiBase: emulator.url, appId: APP_ID })
    expect(JSON.stringify(server.wechat)).not.toContain(APP_SECRET)

    const openid = newDevice().openid
    const inFlight = login(server, await emulator.issueCode(openid))
    await held.reached(1)

    let closed = false
    const closing = server.close().then(() => {
      closed = true
    })
    // No new connections while the login waits on WeChat...
    await vi.waitFor(() => expect(server.app.server.listening).toBe(false), { timeout: 5_000, interval: 5 })
    expect(await isListening(server.port)).toBe(false)
    // ...and the close waits for it.
    expect(closed).toBe(false)
    held.release()

    const answer = await inFlight
    expect(answer.status).toBe(200)
    const token = answer.body['token'] as string
    await closing
    expect(closed).toBe(true)
    expect(storedRecord(path, token)).toMatchObject({ openid })
  })
})

describe('with REDIS_URL', () => {
  it('keeps sessions in Redis under REDIS_KEY_PREFIX', async () => {
    const keyPrefix = redisPrefixForTest('dev-server')
    const server = await start({ REDIS_URL, REDIS_KEY_PREFIX: keyPrefix })
    expect(server.store).toEqual({ kind: 'redis', url: REDIS_URL, keyPrefix })

    const device = newDevice()
    const app = launchApp({ emulatorUrl: server.emulator!.url, baseUrl: server.urls.local }, device)
    const token = tokenOf(await app.settled())
    expect(await keysUnder(`${keyPrefix}t:${hashSessionToken(token)}`)).toHaveLength(1)
    expect(await keysUnder(`${keyPrefix}{u:${device.openid}}:s:${hashSessionToken(token)}`)).toHaveLength(1)
    expect((await app.auth.request({ url: '/auth/session', method: 'POST' })).statusCode).toBe(200)
    app.auth.stop()
    await server.close()
  })

  it('fails to start, with the password masked, when Redis does not answer; the emulator it started is stopped again', async () => {
    const emulatorPort = await freePort()
    const error = await startDevServer(
      readDevServerConfig({
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'silent',
        REDIS_URL: 'redis://:hunter2-e2e@127.0.0.1:1',
        WX_EMULATOR_PORT: String(emulatorPort),
      }),
    ).then(
      () => new Error('startDevServer should have failed'),
      (failure: unknown) => failure as Error,
    )
    expect(error.message).toContain('Redis at redis://:***@127.0.0.1:1')
    expect(error.message).not.toContain('hunter2-e2e')
    expect(await isListening(emulatorPort)).toBe(false)
  })
})

describe('start-up failures', () => {
  it('a port in use is named, and what had started is stopped again', async () => {
    const first = await start({ SQLITE_PATH: join(tmpDirForTest('dev-port-a'), 'sessions.db') })
    const emulatorPort = await freePort()
    const attempt = startDevServer(
      readDevServerConfig({
        PORT: String(first.port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'silent',
        SQLITE_PATH: join(tmpDirForTest('dev-port-b'), 'sessions.db'),
        WX_EMULATOR_PORT: String(emulatorPort),
      }),
    )
    await expect(attempt).rejects.toThrow(`port ${first.port} on 127.0.0.1 is already in use`)
    expect(await isListening(emulatorPort)).toBe(false)
    // The first server is unharmed.
    expect((await fetch(`${first.urls.local}/healthz`)).status).toBe(200)
  })

  it('an emulator port in use names WX_EMULATOR_PORT', async () => {
    const first = await start({ SQLITE_PATH: join(tmpDirForTest('dev-emu-port-a'), 'sessions.db') })
    const attempt = startDevServer(
      readDevServerConfig({
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'silent',
        SQLITE_PATH: join(tmpDirForTest('dev-emu-port-b'), 'sessions.db'),
        WX_EMULATOR_PORT: String(first.port),
      }),
    )
    await expect(attempt).rejects.toThrow(`port ${first.port} on 127.0.0.1 is already in use: set WX_EMULATOR_PORT`)
  })
})

describe('the app routes of the dev server', () => {
  it("has GET /api/me for the example: 400 without a token, 401 for an unknown one, the caller's own openid with a session", async () => {
    const server = await start({ SQLITE_PATH: join(tmpDirForTest('dev-me'), 'sessions.db') })
    expect((await fetch(`${server.urls.local}${DEMO_ME_PATH}`)).status).toBe(400)
    const unknown = await fetch(`${server.urls.local}${DEMO_ME_PATH}`, { headers: { authorization: `Bearer ${'A'.repeat(43)}` } })
    expect(unknown.status).toBe(401)

    const device = newDevice()
    const app = launchApp({ emulatorUrl: server.emulator!.url, baseUrl: server.urls.local }, device)
    await app.settled()
    const response = await app.auth.request({ url: DEMO_ME_PATH })
    expect(response).toMatchObject({ statusCode: 200, data: { openid: device.openid } })
    app.auth.stop()
  })

  it('has nothing else: an unknown route is a JSON 404', async () => {
    const server = await start({ SQLITE_PATH: join(tmpDirForTest('dev-404'), 'sessions.db') })
    const response = await fetch(`${server.urls.local}/api/unknown`)
    expect(response.status).toBe(404)
    expect(await response.json()).toMatchObject({ error: 'not_found' })
  })
})
