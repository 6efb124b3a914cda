import { afterEach, describe, expect, it, vi } from 'vitest'
import { createActor, waitFor, type InspectionEvent } from 'xstate'
import { LoginError } from '../../src/contract/index.ts'
import { createMiniprogramInspector, type MiniprogramInspector, type MiniprogramInspectorOptions } from '../../src/inspect/index.ts'
import { assertNoSecrets, fakeLoginMachine, startGatedServer, unusedPort, type GatedServer } from './helpers.ts'
import { createWsConnectSocket, type WsConnectSocket } from './ws-connect-socket.ts'
import { deferCleanup, runCleanups } from '../support/cleanup.ts'

const STATELY_KINDS = new Set(['@xstate.actor', '@xstate.event', '@xstate.snapshot'])

afterEach(runCleanups)

async function gatedServer(): Promise<GatedServer> {
  const server = await startGatedServer()
  deferCleanup(() => server.close())
  return server
}

function wsSockets(): WsConnectSocket {
  const sockets = createWsConnectSocket()
  deferCleanup(() => sockets.closeAll())
  return sockets
}

function inspectorFor(options: MiniprogramInspectorOptions): MiniprogramInspector {
  const inspector = createMiniprogramInspector(options)
  deferCleanup(() => inspector.stop())
  return inspector
}

/** Runs the login machine to `authenticated`; returns how many events the Stately stream should carry. */
async function runLogin(inspector: MiniprogramInspector): Promise<number> {
  let relevant = 0
  const actor = createActor(fakeLoginMachine(), {
    input: {},
    inspect: (event: InspectionEvent) => {
      if (STATELY_KINDS.has(event.type)) relevant += 1
      inspector.inspect.next?.(event)
    },
  })
  actor.start()
  actor.send({ type: 'START' })
  await waitFor(actor, (s) => s.matches('authenticated'), { timeout: 2_000 })
  actor.stop()
  return relevant
}

function rootValues(frames: string[]): unknown[] {
  const parsed = frames.map((f) => JSON.parse(f) as { type: string; sessionId: string; snapshot?: { value?: unknown } })
  const rootId = parsed.find((e) => e.type === '@xstate.actor')?.sessionId
  return parsed.filter((e) => e.type === '@xstate.snapshot' && e.sessionId === rootId).map((e) => e.snapshot?.value)
}

describe('createMiniprogramInspector over a real socket', () => {
  it('queues events until the socket opens, then sends them all, in order', async () => {
    const server = await gatedServer()
    const sockets = wsSockets()
    const onError = vi.fn()
    server.hold()
    const inspector = inspectorFor({ url: server.url, connectSocket: sockets.connectSocket, onError })
    expect(inspector.status).toBe('connecting')

    const expected = await runLogin(inspector)
    expect(inspector.status).toBe('connecting')
    expect(sockets.sent).toEqual([])
    expect(server.frames).toEqual([])

    server.release()
    await vi.waitFor(() => expect(server.frames.length).toBe(expected))
    expect(inspector.status).toBe('open')
    expect(server.frames).toEqual(sockets.sent)
    expect(JSON.parse(server.frames[0] as string)).toMatchObject({ type: '@xstate.actor', name: 'login' })
    const values = rootValues(server.frames)
    expect(values[0]).toBe('idle')
    expect(values.at(-1)).toBe('authenticated')
    assertNoSecrets(server.frames.join('\n'))
    expect(onError).not.toHaveBeenCalled()
  })

  it('with autoStart: false, connects only on start() and still delivers what came before', async () => {
    const server = await gatedServer()
    const sockets = wsSockets()
    const inspector = inspectorFor({ url: server.url, connectSocket: sockets.connectSocket, autoStart: false, onError: vi.fn() })
    const expected = await runLogin(inspector)
    expect(inspector.status).toBe('idle')
    expect(sockets.connectCount).toBe(0)

    inspector.start()
    await vi.waitFor(() => expect(server.frames.length).toBe(expected))
    expect(server.frames).toEqual(sockets.sent)
    inspector.start()
    expect(sockets.connectCount).toBe(1)
  })

  it('keeps only the newest maxQueuedEvents while waiting, and says so once', async () => {
    const server = await gatedServer()
    const sockets = wsSockets()
    const onError = vi.fn()
    server.hold()
    const inspector = inspectorFor({ url: server.url, connectSocket: sockets.connectSocket, maxQueuedEvents: 3, onError })
    // A second inspector on an open scripted socket records every frame, to know which three are the newest.
    const reference = scriptedTask()
    const everything = inspectorFor({ url: server.url, connectSocket: () => reference.task, onError: vi.fn() })
    reference.open()
    const actor = createActor(fakeLoginMachine(), {
      input: {},
      inspect: (event) => {
        inspector.inspect.next?.(event)
        everything.inspect.next?.(event)
      },
    })
    actor.start()
    actor.send({ type: 'START' })
    await waitFor(actor, (s) => s.matches('authenticated'))
    actor.stop()

    expect(onError).toHaveBeenCalledTimes(1)
    const reported = onError.mock.calls[0]?.[0] as LoginError
    expect(reported).toBeInstanceOf(LoginError)
    expect(reported.code).toBe('network')
    expect(reported.message).toContain('last 3 events')

    server.release()
    await vi.waitFor(() => expect(server.frames.length).toBe(3))
    const withoutTime = (frame: string) => ({ ...(JSON.parse(frame) as object), createdAt: 'any' })
    expect(reference.sent.length).toBeGreaterThan(3)
    expect(server.frames.map(withoutTime)).toEqual(reference.sent.slice(-3).map(withoutTime))
  })

  it('reports a refused connection as LoginError(network), never throws, and reconnects to deliver the queue', async () => {
    const port = await unusedPort()
    const sockets = wsSockets()
    const onError = vi.fn()
    const inspector = inspectorFor({
      url: `ws://127.0.0.1:${port}`,
      connectSocket: sockets.connectSocket,
      onError,
      reconnect: { initialDelayMs: 20, maxDelayMs: 40 },
    })
    await vi.waitFor(() => expect(onError).toHaveBeenCalled())
    const first = onError.mock.calls[0]?.[0] as LoginError
    expect(first).toBeInstanceOf(LoginError)
    expect(first.code).toBe('network')
    expect(first.transient).toBe(true)
    expect(first.message).toContain(`127.0.0.1:${port}`)

    const expected = await runLogin(inspector)
    expect(inspector.status).not.toBe('open')

    const server = await startGatedServer({ port })
    deferCleanup(() => server.close())
    await vi.waitFor(() => expect(server.frames.length).toBe(expected))
    expect(inspector.status).toBe('open')
    expect(rootValues(server.frames).at(-1)).toBe('authenticated')
    expect(sockets.connectCount).toBeGreaterThan(1)
  })

  it('survives the relay dropping the connection: reports it, reconnects, sends later events on the new socket', async () => {
    const server = await gatedServer()
    const sockets = wsSockets()
    const onError = vi.fn()
    const inspector = inspectorFor({
      url: server.url,
      connectSocket: sockets.connectSocket,
      onError,
      reconnect: { initialDelayMs: 10, maxDelayMs: 20 },
    })
    await vi.waitFor(() => expect(inspector.status).toBe('open'))
    server.dropClients()
    await vi.waitFor(() => expect(onError).toHaveBeenCalled())
    expect((onError.mock.calls[0]?.[0] as LoginError).message).toMatch(/closed|error/)

    const expected = await runLogin(inspector)
    await vi.waitFor(() => expect(server.frames.length).toBe(expected))
    expect(server.connections).toBe(2)
    expect(rootValues(server.frames).at(-1)).toBe('authenticated')
  })

  it('gives up after the first failure with reconnect: false', async () => {
    const port = await unusedPort()
    const sockets = wsSockets()
    const onError = vi.fn()
    const inspector = inspectorFor({ url: `ws://127.0.0.1:${port}`, connectSocket: sockets.connectSocket, onError, reconnect: false })
    await vi.waitFor(() => expect(inspector.status).toBe('stopped'))
    await runLogin(inspector)
    expect(onError).toHaveBeenCalledTimes(1)
    expect(sockets.connectCount).toBe(1)
  })

  it('stop() closes the socket and drops later events; start() connects again for new ones', async () => {
    const server = await gatedServer()
    const sockets = wsSockets()
    const onError = vi.fn()
    const inspector = inspectorFor({ url: server.url, connectSocket: sockets.connectSocket, onError })
    await vi.waitFor(() => expect(server.openClients).toBe(1))

    inspector.stop()
    expect(inspector.status).toBe('stopped')
    await vi.waitFor(() => expect(server.openClients).toBe(0))
    await runLogin(inspector)
    expect(server.frames).toEqual([])

    inspector.start()
    const expected = await runLogin(inspector)
    await vi.waitFor(() => expect(server.frames.length).toBe(expected))
    expect(onError).not.toHaveBeenCalled()
  })

  it('stop() while still connecting closes the socket once it opens, sending nothing', async () => {
    const server = await gatedServer()
    const sockets = wsSockets()
    server.hold()
    const inspector = inspectorFor({ url: server.url, connectSocket: sockets.connectSocket, onError: vi.fn() })
    await runLogin(inspector)
    inspector.stop()
    server.release()
    await vi.waitFor(() => expect(server.connections).toBe(1))
    await vi.waitFor(() => expect(server.openClients).toBe(0))
    expect(server.frames).toEqual([])
    expect(sockets.sent).toEqual([])
  })
})

/**
 * WeChat outcomes a real socket cannot easily produce (a throwing or failing
 * `connectSocket`, a `send` that fails), scripted as WeChat documents them.
 */
function scriptedTask(options: { failSends?: boolean; throwOnSend?: boolean } = {}) {
  const listeners = { open: [] as Array<() => void>, close: [] as Array<(r: { code: number; reason: string }) => void> }
  let open = false
  const sent: string[] = []
  const task = {
    onOpen: (l: () => void) => void listeners.open.push(l),
    onMessage: () => {},
    onError: () => {},
    onClose: (l: (r: { code: number; reason: string }) => void) => void listeners.close.push(l),
    send(o: WechatMiniprogram.SocketTaskSendOption) {
      if (options.throwOnSend) throw new Error('native bridge gone')
      if (!open || options.failSends) {
        o.fail?.({ errMsg: 'sendSocketMessage:fail WebSocket is not connected' })
        return
      }
      sent.push(String(o.data))
    },
    close(o: WechatMiniprogram.SocketTaskCloseOption) {
      if (!open) return o.fail?.({ errMsg: 'closeSocket:fail WebSocket is not connected' })
      open = false
      for (const l of listeners.close) l({ code: o.code ?? 1000, reason: o.reason ?? '' })
    },
  }
  return {
    task: task as unknown as WechatMiniprogram.SocketTask,
    sent,
    open() {
      open = true
      for (const l of listeners.open) l()
    },
  }
}

function someEvents(inspector: MiniprogramInspector): void {
  const actor = createActor(fakeLoginMachine(), { input: {}, inspect: inspector.inspect })
  actor.start()
  actor.stop()
}

describe('createMiniprogramInspector failure handling', () => {
  it('reports a connectSocket that throws, without throwing into the app', () => {
    const onError = vi.fn()
    const inspector = inspectorFor({
      url: 'ws://127.0.0.1:1',
      connectSocket: () => {
        throw new Error('wx.connectSocket is not available')
      },
      onError,
      reconnect: false,
    })
    expect(() => someEvents(inspector)).not.toThrow()
    expect(onError).toHaveBeenCalledTimes(1)
    const error = onError.mock.calls[0]?.[0] as LoginError
    expect(error.code).toBe('network')
    expect((error.cause as Error).message).toBe('wx.connectSocket is not available')
  })

  it('reports a connectSocket that calls fail, once, even when fail comes synchronously', () => {
    const onError = vi.fn()
    const scripted = scriptedTask()
    const inspector = inspectorFor({
      url: 'ws://127.0.0.1:1',
      connectSocket: (option) => {
        option.fail?.({ errMsg: 'connectSocket:fail url not in domain list' })
        return scripted.task
      },
      onError,
      reconnect: false,
    })
    scripted.open()
    someEvents(inspector)
    expect(onError).toHaveBeenCalledTimes(1)
    expect((onError.mock.calls[0]?.[0] as LoginError).message).toContain('url not in domain list')
    expect(scripted.sent).toEqual([])
    expect(inspector.status).toBe('stopped')
  })

  it('reports a failing send once per connection and keeps going', () => {
    const onError = vi.fn()
    const scripted = scriptedTask({ failSends: true })
    const inspector = inspectorFor({ url: 'ws://127.0.0.1:1', connectSocket: () => scripted.task, onError })
    scripted.open()
    expect(() => someEvents(inspector)).not.toThrow()
    expect(onError).toHaveBeenCalledTimes(1)
    expect((onError.mock.calls[0]?.[0] as LoginError).message).toContain('could not send')
  })

  it('catches a send that throws', () => {
    const onError = vi.fn()
    const scripted = scriptedTask({ throwOnSend: true })
    const inspector = inspectorFor({ url: 'ws://127.0.0.1:1', connectSocket: () => scripted.task, onError })
    scripted.open()
    expect(() => someEvents(inspector)).not.toThrow()
    expect(onError).toHaveBeenCalledTimes(1)
  })

  it('reports connectSocket returning something that is not a SocketTask', () => {
    const onError = vi.fn()
    const inspector = inspectorFor({
      url: 'ws://127.0.0.1:1',
      connectSocket: () => undefined as unknown as WechatMiniprogram.SocketTask,
      onError,
      reconnect: false,
    })
    expect(inspector.status).toBe('stopped')
    expect((onError.mock.calls[0]?.[0] as LoginError).message).toContain('did not return a SocketTask')
  })

  it('survives an onError callback that throws', () => {
    const consoleError = vi.spyOn(console, 'error').mockImplementation(() => {})
    deferCleanup(() => consoleError.mockRestore())
    const inspector = inspectorFor({
      url: 'ws://127.0.0.1:1',
      connectSocket: () => {
        throw new Error('nope')
      },
      onError: () => {
        throw new Error('reporter broke')
      },
      reconnect: false,
    })
    expect(() => someEvents(inspector)).not.toThrow()
    expect(consoleError).toHaveBeenCalled()
  })

  it('sends over a scripted socket exactly what it would over a real one', () => {
    const scripted = scriptedTask()
    const inspector = inspectorFor({ url: 'ws://127.0.0.1:1', connectSocket: () => scripted.task, onError: vi.fn() })
    someEvents(inspector)
    expect(scripted.sent).toEqual([])
    scripted.open()
    expect(scripted.sent.length).toBeGreaterThan(0)
    expect(JSON.parse(scripted.sent[0] as string)).toMatchObject({ type: '@xstate.actor', name: 'login' })
  })
})

describe('createMiniprogramInspector options', () => {
  const connectSocket = () => scriptedTask().task

  it.each([
    ['no options', undefined],
    ['no url', { connectSocket }],
    ['an http url', { url: 'http://127.0.0.1:8080', connectSocket }],
    ['no connectSocket', { url: 'ws://127.0.0.1:8080' }],
    ['maxQueuedEvents 0', { url: 'ws://127.0.0.1:8080', connectSocket, maxQueuedEvents: 0 }],
    ['a negative reconnect delay', { url: 'ws://127.0.0.1:8080', connectSocket, reconnect: { initialDelayMs: -1 } }],
    ['reconnect max below initial', { url: 'ws://127.0.0.1:8080', connectSocket, reconnect: { initialDelayMs: 10, maxDelayMs: 5 } }],
    ['a non-function onError', { url: 'ws://127.0.0.1:8080', connectSocket, onError: 'log' }],
    ['a zero connect timeout', { url: 'ws://127.0.0.1:8080', connectSocket, connectTimeoutMs: 0 }],
  ])('throws a TypeError for %s', (_name, options) => {
    expect(() => createMiniprogramInspector(options as unknown as MiniprogramInspectorOptions)).toThrow(TypeError)
  })

  it('passes connectTimeoutMs to connectSocket as timeout', () => {
    const seen: WechatMiniprogram.ConnectSocketOption[] = []
    inspectorFor({
      url: 'wss://inspect.example.com',
      connectSocket: (option) => {
        seen.push(option)
        return scriptedTask().task
      },
      connectTimeoutMs: 5_000,
    })
    expect(seen[0]).toMatchObject({ url: 'wss://inspect.example.com', timeout: 5_000 })
  })

  it('warns on the console by default', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    deferCleanup(() => warn.mockRestore())
    const port = await unusedPort()
    inspectorFor({ url: `ws://127.0.0.1:${port}`, connectSocket: wsSockets().connectSocket, reconnect: false })
    await vi.waitFor(() => expect(warn).toHaveBeenCalled())
    expect(String(warn.mock.calls[0]?.[0])).toContain('[inspect]')
  })
})
