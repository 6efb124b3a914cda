/**
 * The inspector relay (Node only): a WebSocket hub on loopback. Inspectors
 * (the mini-program one, or `@statelyai/inspect`'s `createWebSocketInspector`)
 * send one JSON event per text frame; every other connected client (the
 * bridge page at `/`, `createWebSocketReceiver`, a raw `ws` client) gets
 * each frame as it was sent. A client that connects late first gets the most
 * recent frames, so opening the inspector after the app started still shows
 * the actors.
 *
 * Frames are relayed verbatim: redaction happens where the events are made,
 * before anything leaves the device. Frames that are not a JSON object with a
 * string `type` are dropped, so a stray client cannot break the receivers.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocket, WebSocketServer, type RawData } from 'ws'
import { bridgePage } from './bridge-page.ts'

export const DEFAULT_INSPECT_HOST = '127.0.0.1'
export const DEFAULT_INSPECT_PORT = 8080
export const DEFAULT_STATELY_INSPECTOR_URL = 'https://stately.ai/inspect'
export const DEFAULT_REPLAY = 200
/** Far above any real inspection event; a bigger frame closes that client. */
const MAX_FRAME_BYTES = 1024 * 1024

export interface InspectRelayOptions {
  /** Default `127.0.0.1`. */
  host?: string
  /** Default 8080; 0 picks a free port. */
  port?: number
  /** How many recent frames a newly connected client gets first. Default 200; 0 turns it off. */
  replay?: number
  /** The inspector UI the bridge page embeds. Default `https://stately.ai/inspect`. */
  inspectorUrl?: string
  /** Told how many clients are connected whenever that changes. */
  onClientCountChange?: (count: number) => void
}

export interface InspectRelay {
  readonly host: string
  readonly port: number
  /** Where inspectors and receivers connect, e.g. `ws://127.0.0.1:8080`. */
  readonly socketUrl: string
  /** The bridge page that shows the Stately inspector, e.g. `http://127.0.0.1:8080/`. */
  readonly pageUrl: string
  readonly clientCount: number
  /** Disconnects every client and stops listening. */
  close(): Promise<void>
}

function isInspectionFrame(text: string): boolean {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return false
  }
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) && typeof (parsed as { type?: unknown }).type === 'string'
}

function frameText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8')
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8')
  return data.toString('utf8')
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host
}

function validate(options: InspectRelayOptions): { host: string; port: number; replay: number; inspectorUrl: string } {
  const host = options.host ?? DEFAULT_INSPECT_HOST
  const port = options.port ?? DEFAULT_INSPECT_PORT
  const replay = options.replay ?? DEFAULT_REPLAY
  const inspectorUrl = options.inspectorUrl ?? DEFAULT_STATELY_INSPECTOR_URL
  if (typeof host !== 'string' || host === '') throw new TypeError('inspect relay: host must be a non-empty string')
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new TypeError(`inspect relay: port must be 0-65535, got ${String(port)}`)
  if (!Number.isInteger(replay) || replay < 0)
    throw new TypeError(`inspect relay: replay must be a whole number >= 0, got ${String(replay)}`)
  let parsed: URL
  try {
    parsed = new URL(inspectorUrl)
  } catch {
    throw new TypeError(`inspect relay: inspectorUrl is not a URL: ${inspectorUrl}`)
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new TypeError('inspect relay: inspectorUrl must be http(s)')
  return { host, port, replay, inspectorUrl }
}

export async function startInspectRelay(options: InspectRelayOptions = {}): Promise<InspectRelay> {
  const { host, port, replay, inspectorUrl } = validate(options)
  const page = bridgePage(inspectorUrl)
  const recent: string[] = []

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const path = (request.url ?? '/').split('?')[0]
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end()
    } else if (path === '/' || path === '/index.html') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(page)
    } else {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n')
    }
  })
  const hub = new WebSocketServer({ server, maxPayload: MAX_FRAME_BYTES })
  const countChanged = (): void => {
    try {
      options.onClientCountChange?.(hub.clients.size)
    } catch {
      // A reporting hook must not take the relay down.
    }
  }

  hub.on('connection', (client: WebSocket) => {
    // Oversized or malformed frames make `ws` emit an error and close the client; that is all.
    client.on('error', () => {})
    for (const frame of recent) client.send(frame)
    client.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) return
      const frame = frameText(data)
      if (!isInspectionFrame(frame)) return
      if (replay > 0) {
        recent.push(frame)
        if (recent.length > replay) recent.shift()
      }
      for (const other of hub.clients) {
        if (other !== client && other.readyState === WebSocket.OPEN) other.send(frame)
      }
    })
    client.on('close', countChanged)
    countChanged()
  })
  hub.on('error', () => {
    // `ws` repeats the HTTP server's errors here. The server's own 'error' is
    // handled while listening starts; a later one is fatal and ends the process, loudly.
  })

  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      reject(new Error(`inspect relay: could not listen on ${host}:${port} (${error.code ?? error.message})`, { cause: error }))
    }
    server.once('error', onError)
    server.listen(port, host, () => {
      server.off('error', onError)
      resolve()
    })
  })

  const address = server.address() as AddressInfo
  const base = `${urlHost(host)}:${address.port}`
  let closing: Promise<void> | undefined

  return {
    host,
    port: address.port,
    socketUrl: `ws://${base}`,
    pageUrl: `http://${base}/`,
    get clientCount() {
      return hub.clients.size
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const client of hub.clients) client.terminate()
        hub.close()
        server.close(() => resolve())
        server.closeAllConnections()
      })
      return closing
    },
  }
}
