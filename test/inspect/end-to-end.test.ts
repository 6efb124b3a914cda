/**
 * The whole path, over real WebSockets on loopback: the login machine in an
 * XState actor → the mini-program inspector → `wx.connectSocket` (over `ws`)
 * → the relay → a raw receiver and `@statelyai/inspect`'s own
 * `createWebSocketReceiver`.
 */
import { createWebSocketReceiver, type StatelyInspectionEvent } from '@statelyai/inspect'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createActor, createMachine, waitFor } from 'xstate'
import { LoginError } from '../../src/contract/index.ts'
import { REDACTED, createMiniprogramInspector } from '../../src/inspect/index.ts'
import { startInspectRelay } from '../../src/inspect/relay/index.ts'
import { SECRET_CODE, SECRET_TOKEN, assertNoSecrets, collectFrames, fakeLoginMachine } from './helpers.ts'
import { createWsConnectSocket } from './ws-connect-socket.ts'
import { deferCleanup, runCleanups } from '../support/cleanup.ts'

afterEach(runCleanups)

interface Frame {
  type: string
  sessionId: string
  name?: string
  event?: { type: string }
  snapshot?: { value?: unknown; context?: { session: { token: unknown; expiresAt: unknown } | null; code: unknown } }
}

/** A relay on a free port, a raw receiver already connected to it, and a mini-program inspector feeding it over `ws`. */
async function inspectorOnRelay() {
  const relay = await startInspectRelay({ port: 0 })
  deferCleanup(() => relay.close())
  const raw = collectFrames(relay.socketUrl)
  deferCleanup(() => raw.close())
  await raw.opened
  const sockets = createWsConnectSocket()
  deferCleanup(() => sockets.closeAll())
  const onError = vi.fn()
  const inspector = createMiniprogramInspector({ url: relay.socketUrl, connectSocket: sockets.connectSocket, onError })
  deferCleanup(() => inspector.stop())
  return { relay, raw, sockets, onError, inspector }
}

describe('mini-program inspector → relay → receivers', () => {
  it('delivers the login flow in order, with no token or code in any frame', async () => {
    const { relay, raw, sockets, onError, inspector } = await inspectorOnRelay()
    // @statelyai/inspect's receiver has no "opened" signal; the relay's replay covers a late start.
    const received: StatelyInspectionEvent[] = []
    createWebSocketReceiver({ server: relay.socketUrl }).subscribe((event) => received.push(event))

    const actor = createActor(fakeLoginMachine(), { input: {}, inspect: inspector.inspect })
    actor.start()
    actor.send({ type: 'START' })
    const final = await waitFor(actor, (s) => s.matches('authenticated'), { timeout: 2_000 })
    // The live actor holds the real secrets; only the inspector's copies are redacted.
    expect(final.context.session?.token).toBe(SECRET_TOKEN)

    await vi.waitFor(() => {
      expect(sockets.sent.length).toBeGreaterThan(10)
      expect(raw.frames).toEqual(sockets.sent)
      expect(received).toHaveLength(sockets.sent.length)
    })

    // Same frames, same order, at both receivers, as the device sent them.
    expect(received).toEqual(raw.frames.map((f) => JSON.parse(f)))

    // Nothing secret anywhere in what arrived (nor in what left the device).
    assertNoSecrets(raw.frames.join('\n'))
    assertNoSecrets(sockets.sent.join('\n'))
    expect(raw.frames.join('\n')).not.toContain(SECRET_CODE.slice(0, 12))
    expect(raw.frames.join('\n')).not.toContain(SECRET_TOKEN.slice(3, 20))

    // And it is still a useful picture of the flow.
    const frames = raw.frames.map((f) => JSON.parse(f) as Frame)
    const root = frames[0]
    expect(root).toMatchObject({ type: '@xstate.actor', name: 'login', sessionId: actor.sessionId })
    const rootSnapshots = frames.filter((f) => f.type === '@xstate.snapshot' && f.sessionId === actor.sessionId)
    const values = rootSnapshots.map((f) => JSON.stringify(f.snapshot?.value))
    const order = ['"idle"', '"checkingStorage"', '{"wxLogin":"running"}', '{"serverLogin":"running"}', '"authenticated"']
    const positions = order.map((value) => values.indexOf(value))
    expect(positions.every((p) => p >= 0)).toBe(true)
    expect([...positions].sort((a, b) => a - b)).toEqual(positions)
    const session = rootSnapshots.at(-1)?.snapshot?.context?.session
    expect(session?.token).toBe(REDACTED)
    expect(session?.expiresAt).toBe(final.context.session?.expiresAt)
    expect(frames.some((f) => f.type === '@xstate.event' && f.event?.type === 'START')).toBe(true)

    expect(onError).not.toHaveBeenCalled()
  })

  it('leaves out an event too big for the relay, says so, and keeps the connection for the next ones', async () => {
    const { raw, sockets, onError, inspector } = await inspectorOnRelay()
    await vi.waitFor(() => expect(inspector.status).toBe('open'))

    // An app that keeps a large list in its context: its snapshot is over the relay's 1 MiB per frame.
    const heavy = createActor(createMachine({ id: 'heavy', context: { rows: 'é'.repeat(600_000) } }), { inspect: inspector.inspect })
    heavy.start()
    heavy.stop()
    const light = createActor(createMachine({ id: 'light', context: { rows: 'small' } }), { inspect: inspector.inspect })
    light.start()

    await vi.waitFor(() => expect(raw.frames.some((frame) => frame.includes('"small"'))).toBe(true))
    expect(raw.frames.some((frame) => frame.includes('éééé'))).toBe(false)
    expect(sockets.connectCount).toBe(1)
    expect(inspector.status).toBe('open')
    const reported = onError.mock.calls.map(([error]) => error as LoginError)
    expect(reported.length).toBeGreaterThan(0)
    expect(reported.every((error) => error instanceof LoginError && /bigger than|too big/.test(error.message))).toBe(true)
    light.stop()
  })
})
