/**
 * Who the relay lets in, over real HTTP and WebSockets on loopback: each
 * refusal (bad Host, bad Origin, missing or wrong secret) and each accepted
 * case (no Origin, the page's own origin, loopback names, an allowed origin).
 */
import { request as httpRequest } from 'node:http'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { WebSocket } from 'ws'
import { startInspectRelay, type InspectRelay, type InspectRelayOptions, type Refusal } from '../../src/inspect/relay/index.ts'
import { checkSecret, generateSecret, secretsMatch } from '../../src/inspect/relay/secret.ts'
import { deferCleanup, runCleanups } from '../support/cleanup.ts'

afterEach(runCleanups)

async function relay(options: InspectRelayOptions = {}): Promise<InspectRelay & { refusals: Refusal[] }> {
  const refusals: Refusal[] = []
  const started = await startInspectRelay({ port: 0, onRefused: (refusal) => refusals.push(refusal), ...options })
  deferCleanup(() => started.close())
  return Object.assign(started, { refusals })
}

/** A GET with the headers a test chooses (fetch would not send a made-up Host). */
function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { headers }, (response) => {
      let body = ''
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => (body += chunk))
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }))
    })
    request.on('error', reject)
    request.end()
  })
}

/** Tries a WebSocket handshake: 101 when it opened, else the status the relay answered. */
function upgrade(url: string, options: { host?: string; origin?: string } = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, {
      ...(options.origin === undefined ? {} : { origin: options.origin }),
      ...(options.host === undefined ? {} : { headers: { host: options.host } }),
    })
    deferCleanup(() => socket.terminate())
    socket.once('open', () => resolve(101))
    socket.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0)
      response.resume()
    })
    socket.once('error', reject)
    socket.on('error', () => {}) // terminating a refused socket reports once more
  })
}

describe('the secret', () => {
  it('is 128 random bits, base64url, new each time', () => {
    const secrets = new Set(Array.from({ length: 50 }, () => generateSecret()))
    expect(secrets.size).toBe(50)
    for (const secret of secrets) expect(secret).toMatch(/^[A-Za-z0-9_-]{22}$/)
  })

  it('matches only itself, whatever the length of the guess', () => {
    const secret = generateSecret()
    expect(secretsMatch(secret, secret)).toBe(true)
    expect(secretsMatch(secret, `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`)).toBe(false)
    expect(secretsMatch(secret, secret.slice(0, 5))).toBe(false)
    expect(secretsMatch(secret, `${secret}x`)).toBe(false)
    expect(secretsMatch(secret, '')).toBe(false)
    expect(secretsMatch(secret, undefined)).toBe(false)
  })

  it('refuses a chosen secret that is short or not URL-safe', () => {
    expect(() => checkSecret('short')).toThrow(TypeError)
    expect(() => checkSecret('a/b'.repeat(10))).toThrow(TypeError)
    expect(checkSecret('x'.repeat(22))).toBe('x'.repeat(22))
  })

  it('differs between two relays, and one relay does not take the other’s', async () => {
    const a = await relay()
    const b = await relay()
    expect(a.secret).not.toBe(b.secret)
    expect(a.pageUrl).toContain(`/${a.secret}/`)
    expect(a.socketUrl).toBe(`ws://127.0.0.1:${a.port}/${a.secret}`)
    expect(await upgrade(`ws://127.0.0.1:${a.port}/${b.secret}`)).toBe(403)
  })

  it('can be chosen (INSPECT_SECRET), so a URL in app.js survives a restart', async () => {
    const secret = 'a-secret-chosen-by-the-developer'
    const started = await relay({ secret })
    expect(started.socketUrl).toBe(`ws://127.0.0.1:${started.port}/${secret}`)
    expect(await upgrade(started.socketUrl)).toBe(101)
  })
})

describe('inspect relay refuses', () => {
  it('the page, its assets and the socket without the secret (403)', async () => {
    const started = await relay()
    const root = `http://127.0.0.1:${started.port}`
    for (const path of ['/', '/index.html', '/assets/inspector.js', '/assets/mermaid.min.js', '/viewer']) {
      const answer = await get(`${root}${path}`)
      expect(answer.status, path).toBe(403)
      expect(answer.body).toContain('secret that `npm run inspect` printed')
      expect(answer.body).not.toContain(started.secret)
    }
    expect(await upgrade(`ws://127.0.0.1:${started.port}`)).toBe(403)
    expect(await upgrade(`ws://127.0.0.1:${started.port}/viewer`)).toBe(403)
    expect(started.refusals).toContainEqual({ kind: 'websocket', status: 403, reason: 'no secret in the URL' })
  })

  it('a wrong secret (403), and never says the right one', async () => {
    const started = await relay()
    const wrong = generateSecret()
    const page = await get(`http://127.0.0.1:${started.port}/${wrong}/`)
    expect(page.status).toBe(403)
    expect(page.body).not.toContain(started.secret)
    // One character off, and a prefix of the real one.
    const nearly = `${started.secret.slice(0, -1)}${started.secret.endsWith('A') ? 'B' : 'A'}`
    expect(await upgrade(`ws://127.0.0.1:${started.port}/${nearly}`)).toBe(403)
    expect(await upgrade(`ws://127.0.0.1:${started.port}/${started.secret.slice(0, 10)}`)).toBe(403)
    expect(await upgrade(`ws://127.0.0.1:${started.port}/${wrong}/viewer`)).toBe(403)
    expect(started.refusals.filter((r) => r.reason === 'wrong secret in the URL')).toHaveLength(4)
    for (const refusal of started.refusals) expect(refusal.reason).not.toContain(started.secret)
  })

  it.each([
    ['a rebinding DNS name', (port: number) => `evil.example:${port}`],
    ['a name that only ends like localhost', (port: number) => `localhost.evil.example:${port}`],
    ['the right address with another port', (port: number) => `127.0.0.1:${port + 1}`],
    ['the right address with no port', () => '127.0.0.1'],
    ['a LAN address it does not listen on', (port: number) => `192.168.1.23:${port}`],
  ])('a Host header of %s, on the page (421) and the socket (421)', async (_name, hostOf) => {
    const started = await relay()
    const host = hostOf(started.port)
    const page = await get(started.pageUrl, { host })
    expect(page.status).toBe(421)
    expect(page.body).not.toContain('<html')
    expect(await upgrade(started.socketUrl, { host })).toBe(421)
    expect(await upgrade(`ws://127.0.0.1:${started.port}/${started.secret}/viewer`, { host })).toBe(421)
    expect(started.refusals).toContainEqual({ kind: 'websocket', status: 421, reason: `Host ${JSON.stringify(host)} is not this relay` })
  })

  it.each([
    ['another site', 'https://evil.example'],
    ['another port on this machine', 'http://127.0.0.1:1'],
    ['a rebinding name', 'http://evil.example:8080'],
    ['an opaque origin (a sandboxed frame, a file)', 'null'],
    ['https with the right host', 'https://127.0.0.1'],
  ])('a WebSocket from %s (403)', async (_name, origin) => {
    const started = await relay()
    expect(await upgrade(started.socketUrl, { origin })).toBe(403)
    expect(await upgrade(`ws://127.0.0.1:${started.port}/${started.secret}/viewer`, { origin })).toBe(403)
    expect(started.refusals).toContainEqual({
      kind: 'websocket',
      status: 403,
      reason: `Origin ${JSON.stringify(origin)} is not the inspector page`,
    })
    // Refused before the handshake: no client ever counted.
    expect(started.clientCount).toBe(0)
  })

  it('a refused socket gets no frame, and sends none', async () => {
    const started = await relay()
    const watcher = new WebSocket(started.socketUrl)
    deferCleanup(() => watcher.terminate())
    const got: string[] = []
    watcher.on('message', (data) => got.push(data.toString()))
    await new Promise((resolve) => watcher.once('open', resolve))
    const intruder = new WebSocket(started.socketUrl, { origin: 'https://evil.example' })
    intruder.on('error', () => {})
    deferCleanup(() => intruder.terminate())
    await new Promise((resolve) => intruder.once('unexpected-response', resolve))
    const app = new WebSocket(started.socketUrl)
    deferCleanup(() => app.terminate())
    await new Promise((resolve) => app.once('open', resolve))
    app.send(JSON.stringify({ type: '@xstate.event', sessionId: 'x:0', event: { type: 'PING' } }))
    await vi.waitFor(() => expect(got).toHaveLength(1))
    expect(started.clientCount).toBe(2)
  })
})

describe('inspect relay accepts', () => {
  it('a socket with no Origin (a mini-program, Node) and one from its own page’s origin', async () => {
    const started = await relay()
    expect(await upgrade(started.socketUrl)).toBe(101)
    expect(await upgrade(started.socketUrl, { origin: `http://127.0.0.1:${started.port}` })).toBe(101)
    expect(await upgrade(`ws://127.0.0.1:${started.port}/${started.secret}/viewer`, { origin: `http://127.0.0.1:${started.port}` })).toBe(
      101,
    )
    expect(started.refusals).toEqual([])
  })

  it('loopback names in Host, with the page’s origin to match', async () => {
    const started = await relay()
    for (const name of ['localhost', '127.0.0.1', 'LOCALHOST']) {
      const host = `${name}:${started.port}`
      expect((await get(started.pageUrl, { host })).status, host).toBe(200)
      expect(await upgrade(started.socketUrl, { host, origin: `http://${host}` }), host).toBe(101)
    }
    // The page's origin is the name the browser used: localhost's page may not use 127.0.0.1's origin.
    expect(await upgrade(started.socketUrl, { host: `localhost:${started.port}`, origin: `http://127.0.0.1:${started.port}` })).toBe(403)
  })

  it('an origin the developer allowed (a WeChat client that sends its own)', async () => {
    const started = await relay({ allowedOrigins: ['weapp://wechat-runtime'] })
    expect(await upgrade(started.socketUrl, { origin: 'weapp://wechat-runtime' })).toBe(101)
    expect(await upgrade(started.socketUrl, { origin: 'weapp://other' })).toBe(403)
  })

  it.each([['not an origin'], ['https://example.com/'], ['']])('but refuses to start with allowedOrigins %j', async (origin) => {
    await expect(startInspectRelay({ port: 0, allowedOrigins: [origin] })).rejects.toThrow(TypeError)
  })

  it('the address it listens on, besides the loopback names', async () => {
    // 127.0.0.2 is on the loopback interface but is not one of the names accepted by default.
    const started = await relay({ host: '127.0.0.2' })
    expect(started.socketUrl).toBe(`ws://127.0.0.2:${started.port}/${started.secret}`)
    expect((await get(started.pageUrl)).status).toBe(200)
    expect(await upgrade(started.socketUrl, { origin: `http://127.0.0.2:${started.port}` })).toBe(101)
    expect(await upgrade(started.socketUrl, { host: `127.0.0.3:${started.port}` })).toBe(421)
  })
})
