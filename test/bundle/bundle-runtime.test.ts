/**
 * The built mini-program package, run where it will run: a context with only
 * what a mini-program's logic layer has, a simulated `wx`, and the real
 * developer server and WeChat emulator on loopback.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startInspectRelay, type InspectRelay } from '../../src/inspect/relay/index.ts'
import { collectFrames, type FrameCollector } from '../inspect/helpers.ts'
import { createWsConnectSocket } from '../inspect/ws-connect-socket.ts'
import { builtPackage, type BuiltPackage, type Library } from './built-package.ts'
import { APP_SECRET, startLoginStack, type LoginStack, type MeAnswer } from './login-stack.ts'
import { createMiniprogramSandbox, type MiniprogramSandbox } from './miniprogram-sandbox.ts'

type LoginClient = ReturnType<Library['createLoginClient']>
type Device = ReturnType<LoginStack['device']>

let pkg: BuiltPackage
let stack: LoginStack
const cleanups: (() => void | Promise<void>)[] = []

beforeAll(async () => {
  ;[pkg, stack] = await Promise.all([builtPackage(), startLoginStack()])
})

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

afterAll(async () => {
  await stack?.close()
})

/** A mini-program launch: a fresh sandbox that loads index.js, on one simulated device. */
async function launch(device: Device): Promise<{ sandbox: MiniprogramSandbox; lib: Library }> {
  const sandbox = createMiniprogramSandbox({ wx: device })
  cleanups.push(() => sandbox.dispose())
  return { sandbox, lib: await pkg.loadIndex(sandbox) }
}

function clientOn(lib: Library, device: Device, extra: Partial<Parameters<Library['createLoginClient']>[0]> = {}): LoginClient {
  const auth = lib.createLoginClient({ platform: lib.wechatPlatform(device), server: { baseUrl: stack.baseUrl }, ...extra })
  cleanups.push(() => auth.stop())
  return auth
}

/** The top-level state names a client goes through, from the current one on. */
function recordStates(auth: LoginClient): string[] {
  const states: string[] = []
  const record = (snapshot: ReturnType<LoginClient['getSnapshot']>) => {
    const value = snapshot.value as unknown
    const name = typeof value === 'string' ? value : (Object.keys(value as object)[0] ?? '?')
    if (states[states.length - 1] !== name) states.push(name)
  }
  record(auth.getSnapshot())
  auth.subscribe(record)
  return states
}

async function serverSessionStatus(token: string): Promise<number> {
  const response = await fetch(`${stack.baseUrl}/auth/session`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })
  return response.status
}

function expectNoSecretIn(texts: readonly string[], secrets: readonly string[]): void {
  const all = texts.join('\n')
  for (const secret of secrets) expect(all.includes(secret), `a secret appears in: ${all.slice(0, 400)}`).toBe(false)
}

describe('miniprogram_dist/index.js in a mini-program runtime', () => {
  it('loads with only the mini-program globals and exports what src/index.ts exports', async () => {
    const { sandbox, lib } = await launch(stack.device())
    const source = await import('../../src/index.ts')

    expect(Object.keys(lib).sort()).toEqual(Object.keys(source).sort())
    expect(typeof lib.createLoginClient).toBe('function')
    expect(sandbox.unknownGlobals).toEqual([])
    expect(sandbox.pendingTimers).toBe(0)
  })

  it('logs in through wx against the developer server and the emulator, calls an authenticated API, and logs out', async () => {
    const device = stack.device()
    const { sandbox, lib } = await launch(device)
    const auth = clientOn(lib, device)
    const states = recordStates(auth)

    auth.start()
    const session = await auth.ensureLogin()

    expect(session.token).toMatch(/^[\w-]{20,}$/)
    expect(session.expiresAt).toBeGreaterThan(Date.now())
    expect(states).toEqual(['idle', 'checkingStorage', 'wxLogin', 'serverLogin', 'authenticated'])
    expect(device.sim.calls.login).toBe(1)
    expect(stack.emulator.isSessionAlive(device.sim.openid)).toBe(true)
    expect(device.sim.storage.get(lib.DEFAULT_STORAGE_KEY)).toMatchObject({ token: session.token, expiresAt: session.expiresAt })
    expect(await serverSessionStatus(session.token)).toBe(200)

    const me = await auth.request({ url: '/api/me', method: 'GET' })
    expect(me.statusCode).toBe(200)
    expect(me.data as MeAnswer).toEqual({ openid: device.sim.openid })

    await auth.logout()
    expect(auth.getSnapshot().matches('idle')).toBe(true)
    expect(device.sim.storage.has(lib.DEFAULT_STORAGE_KEY)).toBe(false)
    expect(await serverSessionStatus(session.token)).toBe(401)

    const sessionKey = stack.emulator.sessionKeyOf(device.sim.openid)
    expect(sessionKey).toBeDefined()
    expectNoSecretIn(
      sandbox.consoleEntries.map((entry) => entry.text),
      [session.token, sessionKey ?? '', APP_SECRET],
    )
    expect(sandbox.unknownGlobals).toEqual([])
  })

  it('after a relaunch, reuses the stored session without wx.login', async () => {
    const first = stack.device()
    const before = await launch(first)
    const session = await clientOn(before.lib, first).ensureLogin()

    const relaunched = stack.relaunch(first)
    const after = await launch(relaunched)
    const auth = clientOn(after.lib, relaunched)
    const states = recordStates(auth)
    auth.start()

    expect(await auth.ensureLogin()).toEqual(session)
    expect(relaunched.sim.calls.login).toBe(0)
    expect(relaunched.sim.calls.checkSession).toBe(1)
    expect(states).toContain('checkingWx')
    expect(states).not.toContain('wxLogin')
    expect(after.sandbox.unknownGlobals).toEqual([])
  })

  it("rejects a refused login with the bundle's own LoginError, saying why and nothing secret", async () => {
    const device = stack.device()
    const { sandbox, lib } = await launch(device)
    stack.emulator.setHighRisk(device.sim.openid, true)
    const auth = clientOn(lib, device)

    const error = await auth.ensureLogin().then(
      () => undefined,
      (reason: unknown) => reason,
    )

    expect(error).toBeInstanceOf(lib.LoginError)
    expect(lib.isLoginError(error)).toBe(true)
    expect((error as InstanceType<Library['LoginError']>).code).toBe('high_risk_user')
    expect(auth.getSnapshot().matches('failed')).toBe(true)
    expectNoSecretIn([String(error), JSON.stringify(error), ...sandbox.consoleEntries.map((entry) => entry.text)], [APP_SECRET])
    expect(sandbox.unknownGlobals).toEqual([])
  })
})

describe('miniprogram_dist/inspect.js in a mini-program runtime', () => {
  let relay: InspectRelay | undefined
  let watcher: FrameCollector | undefined

  afterAll(async () => {
    await watcher?.close()
    await relay?.close()
  })

  it('shares LoginError with index.js', async () => {
    const device = stack.device()
    const { sandbox, lib } = await launch(device)
    const inspect = await pkg.loadInspect(sandbox, lib)

    expect(inspect.redact(new lib.LoginError('network', 'offline'))).toMatchObject({ name: 'LoginError', code: 'network' })
    expect(sandbox.unknownGlobals).toEqual([])
  })

  it('streams the login to the relay over wx.connectSocket, redacted', async () => {
    relay = await startInspectRelay({ port: 0, replay: 0 })
    watcher = collectFrames(relay.socketUrl)
    await watcher.opened
    const sockets = createWsConnectSocket()
    cleanups.push(() => sockets.closeAll())

    const device = stack.device()
    const { sandbox, lib } = await launch(device)
    const inspect = await pkg.loadInspect(sandbox, lib)
    const inspector = inspect.createMiniprogramInspector({ url: relay.socketUrl, connectSocket: sockets.connectSocket, reconnect: false })
    cleanups.push(() => inspector.stop())
    const auth = clientOn(lib, device, { inspect: inspector.inspect })
    const session = await auth.ensureLogin()

    const frames = watcher.frames
    await expect.poll(() => frames.some((frame) => frame.includes('"authenticated"')), { timeout: 10_000 }).toBe(true)
    const types = new Set(frames.map((frame) => (JSON.parse(frame) as { type: string }).type))
    expect([...types].sort()).toEqual(['@xstate.actor', '@xstate.event', '@xstate.snapshot'])
    // The steps' actors name the login actor as their parent: index.js keeps the XState members an inspector reads.
    const actors = frames.map((frame) => JSON.parse(frame) as { type: string; sessionId: string; parentId?: string })
    const root = actors.find((frame) => frame.type === '@xstate.actor' && frame.parentId === undefined)
    expect(root).toBeDefined()
    expect(actors.some((frame) => frame.type === '@xstate.actor' && frame.parentId === root?.sessionId)).toBe(true)
    expectNoSecretIn(frames, [session.token, stack.emulator.sessionKeyOf(device.sim.openid) ?? '', APP_SECRET])
    expect(sandbox.unknownGlobals).toEqual([])
  })
})
