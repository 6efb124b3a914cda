/** Shared pieces for the inspector tests: real sockets on loopback, and the login machine with fake side effects. */
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { fromPromise } from 'xstate'
import { WebSocket, WebSocketServer } from 'ws'
import { loginMachine } from '../../machines/index.ts'
import type { Session } from '../../src/client/http-session-server/types.ts'

import { startInspectRelay, type InspectRelay, type InspectRelayOptions } from '../../src/inspect/relay/index.ts'
import { deferCleanup } from '../support/cleanup.ts'

export { unusedPort } from '../support/ports.ts'

/** A relay on a free port, closed after the test (needs `afterEach(runCleanups)` in the file). */
export async function startTestRelay(options: InspectRelayOptions = {}): Promise<InspectRelay> {
  const started = await startInspectRelay({ port: 0, ...options })
  deferCleanup(() => started.close())
  return started
}

/** Looks like a real `wx.login` code (32 characters) and a developer-server token. */
export const SECRET_CODE = '0a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P'
export const SECRET_TOKEN = 'st_9f8e7d6c5b4a39281706f5e4d3c2b1a0'

/**
 * The login machine with its side effects replaced: no stored session,
 * `wx.login` answers `SECRET_CODE`, the developer server answers a session
 * holding `SECRET_TOKEN`.
 */
export function fakeLoginMachine(options: { stored?: Session | null } = {}) {
  return loginMachine.provide({
    actors: {
      readSession: fromPromise(async () => options.stored ?? null),
      checkWxSession: fromPromise<void>(async () => {}),
      checkServerSession: fromPromise(async () => true),
      wxLogin: fromPromise(async () => ({ code: SECRET_CODE })),
      serverLogin: fromPromise(async () => ({ token: SECRET_TOKEN, expiresAt: Date.now() + 3_600_000 })),
    },
  })
}

export function assertNoSecrets(text: string, secrets: readonly string[] = [SECRET_CODE, SECRET_TOKEN]): void {
  for (const secret of secrets) {
    if (text.includes(secret))
      throw new Error(`a secret leaked: ...${text.slice(Math.max(0, text.indexOf(secret) - 80), text.indexOf(secret))}`)
  }
}

/** A raw WebSocket client that records every text frame it receives. */
export interface FrameCollector {
  readonly frames: string[]
  opened: Promise<void>
  close(): Promise<void>
}

export function collectFrames(url: string): FrameCollector {
  const socket = new WebSocket(url)
  const frames: string[] = []
  socket.on('message', (data, isBinary) => {
    if (!isBinary) frames.push(data.toString())
  })
  const opened = new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve())
    socket.once('error', reject)
  })
  return {
    frames,
    opened,
    close: () =>
      new Promise<void>((resolve) => {
        if (socket.readyState === WebSocket.CLOSED) return resolve()
        socket.once('close', () => resolve())
        socket.terminate()
      }),
  }
}

/**
 * A WebSocket server on loopback whose handshakes can be held back, so a
 * client stays in "connecting" for as long as a test wants.
 */
export interface GatedServer {
  readonly url: string
  readonly frames: string[]
  /** Handshakes completed so far. */
  readonly connections: number
  /** Clients connected now. */
  readonly openClients: number
  hold(): void
  release(): void
  /** Cuts every connected client off (as a crash or network loss would). */
  dropClients(): void
  close(): Promise<void>
}

export async function startGatedServer(options: { port?: number } = {}): Promise<GatedServer> {
  const server = createServer((_request, response) => response.writeHead(404).end())
  const hub = new WebSocketServer({ noServer: true })
  const frames: string[] = []
  let held = false
  let waiting: Array<{ upgrade: () => void; socket: Socket }> = []
  let connections = 0

  hub.on('connection', (client) => {
    connections += 1
    client.on('error', () => {})
    client.on('message', (data, isBinary) => {
      if (!isBinary) frames.push(data.toString())
    })
  })
  server.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on('error', () => {})
    const upgrade = () => hub.handleUpgrade(request, socket, head, (client) => hub.emit('connection', client, request))
    if (held) waiting.push({ upgrade, socket })
    else upgrade()
  })
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo

  return {
    url: `ws://127.0.0.1:${port}`,
    frames,
    get connections() {
      return connections
    },
    get openClients() {
      return hub.clients.size
    },
    hold() {
      held = true
    },
    release() {
      held = false
      const pending = waiting
      waiting = []
      for (const { upgrade } of pending) upgrade()
    },
    dropClients() {
      for (const client of hub.clients) client.terminate()
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const { socket } of waiting) socket.destroy()
        waiting = []
        for (const client of hub.clients) client.terminate()
        hub.close()
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
