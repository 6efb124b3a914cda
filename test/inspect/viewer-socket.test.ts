/**
 * The relay's socket for its own page (`/<secret>/viewer`), over real
 * WebSockets: which app each frame came from, the chart of each machine
 * (drawn from the definition the actor announced, by docs/flow.md's
 * generator), and what a page opened late is sent first.
 */
import { readFileSync } from 'node:fs'
import { createWebSocketInspector } from '@statelyai/inspect'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createActor, waitFor } from 'xstate'
import { WebSocket } from 'ws'
import { loginMachine } from '../../machines/index.ts'
import { DIAGRAM_BEGIN, toMermaid } from '../../src/diagram/index.ts'
import { createInspectionEventRedactor, createMiniprogramInspector } from '../../src/inspect/index.ts'
import { chartOf, MAX_CHART_DEPTH, MAX_CHART_STATES } from '../../src/inspect/relay/chart.ts'
import type { InspectRelay, ViewerMessage } from '../../src/inspect/relay/index.ts'
import { collectFrames, fakeLoginMachine, startTestRelay } from './helpers.ts'
import { createWsConnectSocket } from './ws-connect-socket.ts'
import { deferCleanup, runCleanups } from '../support/cleanup.ts'

afterEach(runCleanups)

const relay = startTestRelay

interface Viewer {
  messages: ViewerMessage[]
  socket: WebSocket
  frames(): Array<ViewerMessage & { kind: 'frame' }>
}

async function viewer(started: InspectRelay): Promise<Viewer> {
  const socket = new WebSocket(`${started.socketUrl}/viewer`)
  const messages: ViewerMessage[] = []
  socket.on('message', (data) => messages.push(JSON.parse(data.toString()) as ViewerMessage))
  deferCleanup(() => socket.terminate())
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject))
  return { messages, socket, frames: () => messages.filter((m): m is ViewerMessage & { kind: 'frame' } => m.kind === 'frame') }
}

async function app(url: string): Promise<WebSocket> {
  const socket = new WebSocket(url)
  deferCleanup(() => socket.terminate())
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject))
  return socket
}

const frame = (n: number, sessionId = 'x:0') => JSON.stringify({ type: '@xstate.event', sessionId, event: { type: `E${n}` } })

/** The Mermaid block of docs/flow.md, as `npm run diagram` wrote it. */
function flowDocDiagram(): string {
  const doc = readFileSync(new URL('../../docs/flow.md', import.meta.url), 'utf8')
  const block = doc.slice(doc.indexOf(DIAGRAM_BEGIN))
  return block.slice(block.indexOf('```mermaid\n') + '```mermaid\n'.length, block.indexOf('```\n<!--'))
}

describe('the viewer socket', () => {
  it('says hello, names each app when it first sends, wraps its frames, and says when it leaves', async () => {
    const started = await relay()
    const page = await viewer(started)
    const raw = collectFrames(started.socketUrl)
    deferCleanup(() => raw.close())
    await raw.opened
    const phone = await app(`${started.socketUrl}?app=phone`)
    const unnamed = await app(started.socketUrl)
    phone.send(frame(1))
    await vi.waitFor(() => expect(page.frames()).toHaveLength(1))
    unnamed.send(frame(2))
    await vi.waitFor(() => expect(page.frames()).toHaveLength(2))
    phone.close()
    await vi.waitFor(() => expect(page.messages).toHaveLength(6))

    expect(page.messages[0]).toEqual({ kind: 'hello', relay: expect.stringMatching(/^[0-9a-f-]{36}$/) })
    expect(page.messages.slice(1)).toEqual([
      { kind: 'source', source: { id: 'app-1', label: 'phone', address: '127.0.0.1', connected: true } },
      { kind: 'frame', seq: 1, source: 'app-1', frame: JSON.parse(frame(1)) },
      { kind: 'source', source: { id: 'app-2', label: 'app-2', address: '127.0.0.1', connected: true } },
      { kind: 'frame', seq: 2, source: 'app-2', frame: JSON.parse(frame(2)) },
      { kind: 'source', source: { id: 'app-1', label: 'phone', address: '127.0.0.1', connected: false } },
    ])
    // Everyone else still gets the frames exactly as sent.
    expect(raw.frames).toEqual([frame(1), frame(2)])
  })

  it('relays nothing a page sends', async () => {
    const started = await relay()
    const page = await viewer(started)
    const raw = collectFrames(started.socketUrl)
    deferCleanup(() => raw.close())
    await raw.opened
    page.socket.send(frame(1))
    const sender = await app(started.socketUrl)
    sender.send(frame(2))
    await vi.waitFor(() => expect(raw.frames).toEqual([frame(2)]))
    expect(page.frames().map((m) => m.frame)).toEqual([JSON.parse(frame(2))])
  })

  it('charts the login machine from the definition a mini-program sent: docs/flow.md’s diagram, nested states included', async () => {
    const started = await relay()
    const page = await viewer(started)
    const sockets = createWsConnectSocket()
    deferCleanup(() => sockets.closeAll())
    const inspector = createMiniprogramInspector({ url: `${started.socketUrl}?app=mini`, connectSocket: sockets.connectSocket })
    deferCleanup(() => inspector.stop())
    const actor = createActor(fakeLoginMachine(), { input: {}, inspect: inspector.inspect })
    deferCleanup(() => actor.stop())
    actor.start()
    actor.send({ type: 'START' })
    await waitFor(actor, (s) => s.matches('authenticated'))

    await vi.waitFor(() => {
      expect(sockets.sent.some((text) => text.includes('"value":"authenticated"'))).toBe(true)
      expect(page.frames().length).toBe(sockets.sent.length)
    })
    const charted = page.frames().filter((m) => m.chart)
    // Only the machine has states; its invoked promises get no chart.
    expect(charted.map((m) => m.frame['name'])).toEqual(['login'])
    const chart = charted[0]?.chart
    expect(chart?.mermaid).toBe(toMermaid(loginMachine))
    expect(chart?.mermaid).toBe(flowDocDiagram())
    expect(chart?.states).toMatchObject({
      idle: 'idle',
      wxLogin: 'wxLogin',
      'wxLogin.running': 'wxLogin_running',
      authenticated: 'authenticated',
    })
    expect(Object.keys(chart?.states ?? {})).toHaveLength(14)
    expect(page.frames().map((m) => JSON.stringify(m.frame))).toEqual(sockets.sent)
  })

  it('charts it the same from @statelyai/inspect’s WebSocket inspector in Node', async () => {
    const started = await relay()
    const page = await viewer(started)
    const inspector = createWebSocketInspector({ url: `${started.socketUrl}?app=node`, serialize: createInspectionEventRedactor() })
    deferCleanup(() => inspector.stop())
    const actor = createActor(fakeLoginMachine(), { input: {}, inspect: inspector.inspect })
    deferCleanup(() => actor.stop())
    actor.start()
    await vi.waitFor(() => expect(page.frames().some((m) => m.chart)).toBe(true))
    const announced = page.frames().find((m) => m.chart)
    // It sorts the definition's keys, so its states come in another order; the chart is still flow.md's.
    const definition = JSON.parse(announced?.frame['definition'] as string) as { states: object }
    expect(Object.keys(definition.states)).toEqual([...Object.keys(definition.states)].sort())
    expect(chartOf(announced?.frame['definition'] as string)?.mermaid).not.toBe(toMermaid(loginMachine))
    expect(announced?.chart?.mermaid).toBe(toMermaid(loginMachine))
    expect(page.messages).toContainEqual({ kind: 'source', source: expect.objectContaining({ label: 'node', connected: true }) })
  })

  it('gives a late page the sources, then the recent frames, then each machine’s announcement and last state even when older', async () => {
    const started = await relay({ replay: 3 })
    const sender = await app(`${started.socketUrl}?app=phone`)
    const early = await viewer(started)
    const definition = JSON.stringify({ id: 'm', initial: 'a', states: { a: { on: { GO: 'b' } }, b: {} } })
    const announce = JSON.stringify({ type: '@xstate.actor', sessionId: 'x:1', name: 'm', definition, snapshot: { value: 'a' } })
    const moved = JSON.stringify({ type: '@xstate.snapshot', sessionId: 'x:1', event: { type: 'GO' }, snapshot: { value: 'b' } })
    for (const text of [announce, moved, frame(1), frame(2), frame(3), frame(4)]) sender.send(text)
    await vi.waitFor(() => expect(early.frames()).toHaveLength(6))

    const late = await viewer(started)
    await vi.waitFor(() => expect(late.frames()).toHaveLength(5))
    expect(late.messages[1]).toEqual({ kind: 'source', source: expect.objectContaining({ id: 'app-1', label: 'phone' }) })
    expect(late.frames().map((m) => m.seq)).toEqual([1, 2, 4, 5, 6])
    expect(late.frames()[0]?.chart?.states).toEqual({ a: 'a', b: 'b' })
    expect(late.frames()[0]?.chart?.mermaid).toContain('a --> b : GO')
    // A plain receiver gets the same, unwrapped.
    const raw = collectFrames(started.socketUrl)
    deferCleanup(() => raw.close())
    await vi.waitFor(() => expect(raw.frames).toEqual([announce, moved, frame(2), frame(3), frame(4)]))
  })

  it('replays nothing with replay: 0', async () => {
    const started = await relay({ replay: 0 })
    const sender = await app(started.socketUrl)
    const early = await viewer(started)
    sender.send(frame(1))
    await vi.waitFor(() => expect(early.frames()).toHaveLength(1))
    const late = await viewer(started)
    sender.send(frame(2))
    await vi.waitFor(() => expect(late.frames()).toHaveLength(1))
    expect(late.frames()[0]?.seq).toBe(2)
  })
})

describe('chartOf', () => {
  it('draws nothing for actors without states, or for what is not a definition', () => {
    expect(chartOf(JSON.stringify({ id: 'readSession' }))).toBeUndefined()
    expect(chartOf(JSON.stringify({ id: 'x', states: {} }))).toBeUndefined()
    expect(chartOf('not json')).toBeUndefined()
    expect(chartOf('[1]')).toBeUndefined()
    expect(chartOf(JSON.stringify({ id: 'x', initial: 'nowhere', states: { a: {} } }))).toBeUndefined()
  })

  it('draws machines up to MAX_CHART_STATES states and MAX_CHART_DEPTH levels, and nothing past either', () => {
    // n states at the top; n with one child each (2n in all); one state in another, `depth` levels.
    const flat = (n: number) => ({
      id: 'wide',
      initial: 's0',
      states: Object.fromEntries(Array.from({ length: n }, (_, i) => [`s${i}`, {}])),
    })
    const nestedPairs = (n: number) => ({
      id: 'pairs',
      initial: 's0',
      states: Object.fromEntries(Array.from({ length: n }, (_, i) => [`s${i}`, { initial: 'inner', states: { inner: {} } }])),
    })
    const deep = (depth: number) => {
      let node: Record<string, unknown> = {}
      for (let i = 0; i < depth; i += 1) node = { initial: `d${i}`, states: { [`d${i}`]: node } }
      return { id: 'deep', ...node }
    }
    expect(Object.keys(chartOf(JSON.stringify(flat(MAX_CHART_STATES)))?.states ?? {})).toHaveLength(MAX_CHART_STATES)
    expect(chartOf(JSON.stringify(flat(MAX_CHART_STATES + 1)))).toBeUndefined()
    expect(Object.keys(chartOf(JSON.stringify(nestedPairs(MAX_CHART_STATES / 2)))?.states ?? {})).toHaveLength(MAX_CHART_STATES)
    expect(chartOf(JSON.stringify(nestedPairs(MAX_CHART_STATES / 2 + 1)))).toBeUndefined()
    expect(chartOf(JSON.stringify(deep(MAX_CHART_DEPTH)))).toBeDefined()
    expect(chartOf(JSON.stringify(deep(MAX_CHART_DEPTH + 1)))).toBeUndefined()
    // The frame that blocked the relay for seconds: answered at once, with no chart.
    expect(chartOf(JSON.stringify(flat(30_000)))).toBeUndefined()
  })
})
