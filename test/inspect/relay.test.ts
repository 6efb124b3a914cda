import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { connect } from 'node:net'
import { networkInterfaces } from 'node:os'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { WebSocket } from 'ws'
import { startInspectRelay, type InspectRelayOptions } from '../../src/inspect/relay/index.ts'
import { MAX_UNSENT_BYTES } from '../../src/inspect/relay/relay-server.ts'
import { collectFrames, startTestRelay, type FrameCollector } from './helpers.ts'
import { deferCleanup, runCleanups } from '../support/cleanup.ts'

afterEach(runCleanups)

const relay = startTestRelay

async function client(url: string): Promise<FrameCollector> {
  const collector = collectFrames(url)
  deferCleanup(() => collector.close())
  await collector.opened
  return collector
}

/** A sending client (an inspector, as the relay sees it). */
async function sender(url: string): Promise<WebSocket & { frames: string[] }> {
  const socket = Object.assign(new WebSocket(url), { frames: [] as string[] })
  socket.on('message', (data) => socket.frames.push(data.toString()))
  deferCleanup(() => socket.terminate())
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject))
  return socket
}

const frame = (n: number) => JSON.stringify({ type: '@xstate.event', sessionId: 'x:0', event: { type: `E${n}` } })

function externalIPv4(): string | undefined {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) if (address.family === 'IPv4' && !address.internal) return address.address
  }
  return undefined
}

describe('inspect relay', () => {
  it('listens on 127.0.0.1 by default and says where to connect', async () => {
    const started = await relay()
    expect(started.host).toBe('127.0.0.1')
    expect(started.port).toBeGreaterThan(0)
    expect(started.socketUrl).toBe(`ws://127.0.0.1:${started.port}/${started.secret}`)
    expect(started.pageUrl).toBe(`http://127.0.0.1:${started.port}/${started.secret}/`)
    expect(started.statelyPageUrl).toBe(`${started.pageUrl}?ui=stately`)
    const external = externalIPv4()
    if (external) {
      // Not reachable from another interface.
      const refused = await new Promise<string>((resolve) => {
        const socket = new WebSocket(`ws://${external}:${started.port}/${started.secret}`)
        socket.once('open', () => resolve('open'))
        socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'))
      })
      expect(refused).not.toBe('open')
    }
  })

  it('forwards each frame, verbatim and in order, to every other client but not back to its sender', async () => {
    const started = await relay()
    const a = await client(started.socketUrl)
    const b = await client(started.socketUrl)
    const app = await sender(started.socketUrl)
    for (let n = 0; n < 20; n++) app.send(frame(n))
    const expected = Array.from({ length: 20 }, (_, n) => frame(n))
    await vi.waitFor(() => {
      expect(a.frames).toEqual(expected)
      expect(b.frames).toEqual(expected)
    })
    expect(app.frames).toEqual([])
  })

  it('gives a late client the recent frames first, up to the replay limit', async () => {
    const started = await relay({ replay: 3 })
    const app = await sender(started.socketUrl)
    const early = await client(started.socketUrl)
    for (let n = 0; n < 5; n++) app.send(frame(n))
    await vi.waitFor(() => expect(early.frames).toHaveLength(5))
    const late = await client(started.socketUrl)
    await vi.waitFor(() => expect(late.frames).toEqual([frame(2), frame(3), frame(4)]))
    app.send(frame(5))
    await vi.waitFor(() => expect(late.frames.at(-1)).toBe(frame(5)))
  })

  it('drops frames that are not a JSON object with a string type', async () => {
    const started = await relay()
    const receiver = await client(started.socketUrl)
    const app = await sender(started.socketUrl)
    app.send('not json')
    app.send('[1,2]')
    app.send('{"no":"type"}')
    app.send('{"type":42}')
    app.send(Buffer.from(frame(0)), { binary: true })
    app.send(frame(1))
    await vi.waitFor(() => expect(receiver.frames).toEqual([frame(1)]))
  })

  it('closes a client that sends an oversized frame and carries on with the others', async () => {
    const started = await relay()
    const receiver = await client(started.socketUrl)
    const big = await sender(started.socketUrl)
    const closed = new Promise<number>((resolve) => big.once('close', (code) => resolve(code)))
    big.send(JSON.stringify({ type: '@xstate.event', pad: 'x'.repeat(1024 * 1024 + 10) }))
    expect(await closed).toBe(1009)
    const app = await sender(started.socketUrl)
    app.send(frame(7))
    await vi.waitFor(() => expect(receiver.frames).toEqual([frame(7)]))
  })

  it('serves its own page under the secret, and Stately’s at ?ui=stately, and nothing else', async () => {
    const started = await relay()
    const page = await fetch(started.pageUrl)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toContain('text/html')
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'")
    expect(page.headers.get('content-security-policy')).toContain("connect-src 'self'")
    expect(page.headers.get('referrer-policy')).toBe('no-referrer')
    const html = await page.text()
    expect(html).toContain('<script src="assets/mermaid.min.js"></script>')
    expect(html).toContain('<script src="assets/inspector.js"></script>')
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//)
    expect(html).not.toContain('stately.ai')

    const stately = await fetch(started.statelyPageUrl)
    expect(stately.headers.get('content-security-policy')).toContain('frame-src https://stately.ai')
    const statelyHtml = await stately.text()
    expect(statelyHtml).toContain('<iframe id="inspector" src="https://stately.ai/inspect"')
    expect(statelyHtml).toContain('@statelyai.connected')
    expect(statelyHtml).toContain('"https://stately.ai"')
    expect(await (await fetch(`${started.statelyPageUrl.replace('stately', 'local')}`)).text()).toBe(html)

    // Without the trailing slash, to the page (so its relative asset URLs stay under the secret).
    const bare = await fetch(started.pageUrl.slice(0, -1), { redirect: 'manual' })
    expect(bare.status).toBe(308)
    expect(bare.headers.get('location')).toBe(`/${started.secret}/`)
    expect((await fetch(new URL('other', started.pageUrl))).status).toBe(404)
    expect((await fetch(new URL('assets/nothing.js', started.pageUrl))).status).toBe(404)
    expect((await fetch(started.pageUrl, { method: 'POST' })).status).toBe(405)
  })

  it('serves the page’s scripts from the package and Mermaid’s standalone build from node_modules', async () => {
    const started = await relay()
    const mermaidFile = createRequire(import.meta.url).resolve('mermaid/dist/mermaid.min.js')
    const mermaid = await fetch(new URL('assets/mermaid.min.js', started.pageUrl))
    expect(mermaid.status).toBe(200)
    expect(mermaid.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    expect(mermaid.headers.get('x-content-type-options')).toBe('nosniff')
    expect(Buffer.from(await mermaid.arrayBuffer()).equals(readFileSync(mermaidFile))).toBe(true)
    const script = await (await fetch(new URL('assets/inspector.js', started.pageUrl))).text()
    expect(script).toContain('viewer')
    expect((await fetch(new URL('assets/inspector.css', started.pageUrl))).headers.get('content-type')).toBe('text/css; charset=utf-8')
    const head = await fetch(new URL('assets/mermaid.min.js', started.pageUrl), { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(await head.text()).toBe('')
  })

  it('makes Stately’s page the default with ui: "stately"', async () => {
    const started = await relay({ ui: 'stately' })
    expect(await (await fetch(started.pageUrl)).text()).toContain('<iframe id="inspector"')
    expect(await (await fetch(`${started.pageUrl}?ui=local`)).text()).toContain('assets/inspector.js')
  })

  it('escapes a custom inspector URL into the Stately page', async () => {
    const started = await relay({ inspectorUrl: 'https://inspect.example.com/?a="><script>x</script>' })
    const html = await (await fetch(started.statelyPageUrl)).text()
    expect(html).not.toContain('"><script>x</script>')
    expect(html).toContain('"https://inspect.example.com"')
  })

  it('tells how many clients are connected', async () => {
    const counts: number[] = []
    const started = await relay({ onClientCountChange: (count) => counts.push(count) })
    const a = await client(started.socketUrl)
    await client(started.socketUrl)
    await a.close()
    await vi.waitFor(() => expect(counts).toEqual([1, 2, 1]))
    expect(started.clientCount).toBe(1)
  })

  it('drops a client that stopped reading once too much waits unsent for it; the others keep every frame', async () => {
    const counts: number[] = []
    const started = await relay({ replay: 0, onClientCountChange: (count) => counts.push(count) })
    const reader = await client(started.socketUrl)
    // A client that completes the handshake and then reads nothing more (a frozen page).
    const url = new URL(started.socketUrl)
    const stalled = connect(Number(url.port), '127.0.0.1')
    deferCleanup(() => stalled.destroy())
    await new Promise((resolve) => stalled.once('connect', resolve))
    stalled.write(
      `GET ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    )
    await new Promise((resolve) => stalled.once('data', resolve))
    stalled.pause()
    await vi.waitFor(() => expect(started.clientCount).toBe(2))
    const source = await sender(started.socketUrl)
    const big = JSON.stringify({ type: '@xstate.event', sessionId: 'x:0', pad: 'a'.repeat(900_000) })
    const frames = Math.ceil((2 * MAX_UNSENT_BYTES) / big.length)
    for (let n = 0; n < frames; n++) {
      source.send(big)
      await new Promise((resolve) => setTimeout(resolve, 2))
    }
    await vi.waitFor(() => expect(started.clientCount).toBe(2), { timeout: 10_000 })
    await vi.waitFor(() => expect(reader.frames.length).toBe(frames), { timeout: 10_000 })
    expect(counts).toContain(3)
  })

  it('close() disconnects every client, frees the port, and can be called twice', async () => {
    const started = await startInspectRelay({ port: 0 })
    const socket = new WebSocket(started.socketUrl)
    await new Promise((resolve) => socket.once('open', resolve))
    const closed = new Promise((resolve) => socket.once('close', resolve))
    await Promise.all([started.close(), started.close()])
    await closed
    const again = await relay({ port: started.port })
    expect(again.port).toBe(started.port)
  })

  it('rejects with the reason when the port is taken', async () => {
    const started = await relay()
    await expect(startInspectRelay({ port: started.port })).rejects.toThrow(/could not listen on 127\.0\.0\.1:\d+ \(EADDRINUSE\)/)
  })

  it.each([
    ['a negative port', { port: -1 }],
    ['a port above 65535', { port: 70_000 }],
    ['a negative replay', { replay: -1 }],
    ['a non-http inspector URL', { inspectorUrl: 'ftp://example.com' }],
    ['a malformed inspector URL', { inspectorUrl: 'not a url' }],
    ['an empty host', { host: '' }],
    ['an unknown ui', { ui: 'fancy' }],
    ['a short secret', { secret: 'abc' }],
  ])('rejects %s with a TypeError', async (_name, options) => {
    await expect(startInspectRelay(options as InspectRelayOptions)).rejects.toThrow(TypeError)
  })
})
