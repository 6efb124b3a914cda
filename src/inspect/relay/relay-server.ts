/**
 * The inspector relay (Node only): an HTTP server and WebSocket hub, on
 * loopback unless told otherwise.
 *
 * - Inspectors (the mini-program one, `@statelyai/inspect`'s
 *   `createWebSocketInspector`) connect to `/<secret>` and send one JSON
 *   event per text frame. Every other client there (`createWebSocketReceiver`,
 *   the Stately page, a raw `ws` client) gets each frame as it was sent.
 * - The relay's own page is `/<secret>/`; its socket, `/<secret>/viewer`,
 *   receives the same frames wrapped with the app they came from and the
 *   chart of each machine (see viewer-protocol.ts), and cannot send.
 * - A client that connects late first gets the recent frames (history.ts).
 *
 * Who gets in (request-guard.ts, secret.ts): a `Host` that names this relay,
 * an `Origin` that is absent or the page's own, and the secret, on every
 * request and every socket. Frames are relayed as they are: redaction
 * happens where the events are made, before anything leaves the device.
 * Frames that are not a JSON object with a string `type` are dropped, so a
 * stray client cannot break the receivers.
 */
import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import type { AnyStateMachine } from 'xstate'
import { WebSocket, WebSocketServer, type RawData } from 'ws'
import { loginMachine } from '../../../machines/index.ts'
import { MissingPackageError, loadPageAssets, type Asset } from './assets.ts'
import { bridgePage, bridgePageCsp } from './bridge-page.ts'
import { createChartCache } from './chart.ts'
import { RelayHistory } from './history.ts'
import { INSPECTOR_PAGE_CSP, PAGE_HEADERS, inspectorPage } from './inspector-page.ts'
import { createRequestGuard, hostName, isAnyAddress, type RequestGuard } from './request-guard.ts'
import { checkSecret, generateSecret, secretsMatch } from './secret.ts'
import { frameMessage, helloMessage, sourceMessage, type SourceInfo } from './viewer-protocol.ts'
import { parseJsonObject } from '../../contract/index.ts'
// A bigger frame closes that client; the mini-program inspector leaves such frames out before they get here.
import { MAX_FRAME_BYTES } from '../frame-limit.ts'

export const DEFAULT_INSPECT_HOST = '127.0.0.1'
export const DEFAULT_INSPECT_PORT = 8080
export const DEFAULT_STATELY_INSPECTOR_URL = 'https://stately.ai/inspect'
export const DEFAULT_REPLAY = 200
const MAX_LABEL_LENGTH = 64
/**
 * A client that stops reading (a page frozen in a background tab, a stuck
 * device) would have every frame buffered for it without end: past this much
 * unsent it is dropped, and can reconnect for the replay.
 */
export const MAX_UNSENT_BYTES = 32 * 1024 * 1024
/** Sources remembered after they disconnect, so a late page can still name the app of old frames. */
const MAX_SOURCES = 200

/** `local`: the relay's own page. `stately`: Stately's hosted inspector in an iframe (needs internet). */
export type InspectorUi = 'local' | 'stately'

export interface InspectRelayOptions {
  /** Default `127.0.0.1`. Another address exposes the relay to that network (a phone on the same Wi-Fi). */
  host?: string
  /** Default 8080; 0 picks a free port. */
  port?: number
  /** How many recent frames a newly connected client gets first. Default 200; 0 turns it off. */
  replay?: number
  /** The page at `/<secret>/`; the other is at `?ui=local` / `?ui=stately`. Default `local`. */
  ui?: InspectorUi
  /** The hosted inspector the Stately page embeds. Default `https://stately.ai/inspect`. */
  inspectorUrl?: string
  /** The secret the URLs must carry (22+ characters of A-Z a-z 0-9 - _). Default: 128 random bits, new each start. */
  secret?: string
  /**
   * WebSocket `Origin`s to accept besides none and the relay page's own, for a
   * WeChat client that sends one of its own (the refusal names it, see `onRefused`).
   */
  allowedOrigins?: readonly string[]
  /**
   * Machines drawn in their own order when an app announces one of them (see
   * chart.ts). Default: the login machine. Any other machine is drawn from its definition.
   */
  machines?: readonly AnyStateMachine[]
  /** Told how many clients are connected whenever that changes. */
  onClientCountChange?: (count: number) => void
  /** Told about each refused request or socket: why (never with the secret) and the status answered. */
  onRefused?: (refusal: Refusal) => void
}

export interface Refusal {
  kind: 'http' | 'websocket'
  status: number
  reason: string
}

export interface InspectRelay {
  readonly host: string
  readonly port: number
  /** The secret in every URL below. */
  readonly secret: string
  /** Where inspectors and receivers connect, e.g. `ws://127.0.0.1:8080/<secret>`. */
  readonly socketUrl: string
  /** The inspector page, e.g. `http://127.0.0.1:8080/<secret>/`. */
  readonly pageUrl: string
  /** The page that shows Stately's hosted inspector instead. */
  readonly statelyPageUrl: string
  readonly clientCount: number
  /** Disconnects every client and stops listening. */
  close(): Promise<void>
}

interface ValidOptions {
  host: string
  port: number
  replay: number
  ui: InspectorUi
  inspectorUrl: string
  secret: string
  allowedOrigins: string[]
}

type Role = { kind: 'peer'; label: string | undefined } | { kind: 'viewer' }

function parseFrame(text: string): Record<string, unknown> | undefined {
  const parsed = parseJsonObject(text)
  return typeof parsed?.['type'] === 'string' ? parsed : undefined
}

function frameText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8')
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8')
  return data.toString('utf8')
}

function validate(options: InspectRelayOptions): ValidOptions {
  const host = options.host ?? DEFAULT_INSPECT_HOST
  const port = options.port ?? DEFAULT_INSPECT_PORT
  const replay = options.replay ?? DEFAULT_REPLAY
  const ui = options.ui ?? 'local'
  const inspectorUrl = options.inspectorUrl ?? DEFAULT_STATELY_INSPECTOR_URL
  if (typeof host !== 'string' || host === '') throw new TypeError('inspect relay: host must be a non-empty string')
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new TypeError(`inspect relay: port must be 0-65535, got ${String(port)}`)
  if (!Number.isInteger(replay) || replay < 0)
    throw new TypeError(`inspect relay: replay must be a whole number >= 0, got ${String(replay)}`)
  if (ui !== 'local' && ui !== 'stately') throw new TypeError(`inspect relay: ui must be "local" or "stately", got ${JSON.stringify(ui)}`)
  let parsed: URL
  try {
    parsed = new URL(inspectorUrl)
  } catch {
    throw new TypeError(`inspect relay: inspectorUrl is not a URL: ${inspectorUrl}`)
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new TypeError('inspect relay: inspectorUrl must be http(s)')
  const allowedOrigins = [...(options.allowedOrigins ?? [])]
  for (const origin of allowedOrigins) {
    if (typeof origin !== 'string' || !/^[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(origin) || origin.endsWith('/')) {
      throw new TypeError(`inspect relay: allowedOrigins must be origins like "scheme://host[:port]", got ${JSON.stringify(origin)}`)
    }
  }
  const secret = options.secret === undefined ? generateSecret() : checkSecret(options.secret)
  return { host, port, replay, ui, inspectorUrl, secret, allowedOrigins }
}

/** The first path segment is the secret; the rest says what is asked for. */
function splitPath(url: string | undefined): { first: string | undefined; rest: string; search: URLSearchParams } {
  const path = (url ?? '/').split('?')[0] ?? '/'
  const search = new URLSearchParams(url?.includes('?') ? url.slice(url.indexOf('?') + 1) : '')
  const slash = path.indexOf('/', 1)
  // Compared as sent: a generated secret has no character that needs escaping.
  const first = path.length > 1 ? (slash === -1 ? path.slice(1) : path.slice(1, slash)) : undefined
  return { first, rest: slash === -1 ? '' : path.slice(slash), search }
}

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 421: 'Misdirected Request' }

/** Answers an upgrade with a plain HTTP error instead of a handshake, and drops the connection. */
function refuseUpgrade(socket: Socket, status: number, message: string): void {
  const body = `${message}\n`
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  )
  socket.destroy()
}

const NEEDS_SECRET = 'forbidden: the inspector URLs carry the secret that `npm run inspect` printed'

function labelOf(search: URLSearchParams): string | undefined {
  const label = search.get('app')?.trim()
  return label ? label.slice(0, MAX_LABEL_LENGTH) : undefined
}

export async function startInspectRelay(options: InspectRelayOptions = {}): Promise<InspectRelay> {
  const valid = validate(options)
  const { host, replay, secret } = valid
  // Read now, so a missing Mermaid is said at start and not as a blank page later.
  let assets: Map<string, Asset> | undefined
  let assetsError: MissingPackageError | undefined
  try {
    assets = loadPageAssets()
  } catch (error) {
    if (!(error instanceof MissingPackageError) || valid.ui === 'local') throw error
    assetsError = error
  }
  const pages = { local: inspectorPage(), stately: bridgePage(valid.inspectorUrl) }
  const history = new RelayHistory(replay)
  const chartOf = createChartCache(options.machines ?? [loginMachine])
  const relayId = randomUUID()
  const roles = new Map<WebSocket, Role>()
  const sources = new Map<WebSocket, SourceInfo>()
  const knownSources = new Map<string, SourceInfo>()
  let nextSource = 1
  let nextSeq = 1

  const refused = (refusal: Refusal): void => {
    try {
      options.onRefused?.(refusal)
    } catch {
      // A reporting hook must not take the relay down.
    }
  }

  // Set once listening: the guard needs the port. Until then every request is refused.
  const listening: { guard?: RequestGuard } = {}

  const servePage = (response: ServerResponse, ui: InspectorUi, head: boolean): void => {
    if (ui === 'local' && !assets) {
      response.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' }).end(`${assetsError?.message ?? 'no inspector page'}\n`)
      return
    }
    const csp = ui === 'local' ? INSPECTOR_PAGE_CSP : bridgePageCsp(valid.inspectorUrl)
    response.writeHead(200, { ...PAGE_HEADERS, 'content-security-policy': csp })
    response.end(head ? undefined : pages[ui])
  }

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const hostProblem = listening.guard ? listening.guard.checkHost(request.headers) : 'not listening yet'
    if (hostProblem !== undefined) {
      refused({ kind: 'http', status: 421, reason: hostProblem })
      response.writeHead(421, { 'content-type': 'text/plain; charset=utf-8' }).end(`misdirected: ${hostProblem}\n`)
      return
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end()
      return
    }
    const { first, rest, search } = splitPath(request.url)
    if (!secretsMatch(secret, first)) {
      refused({ kind: 'http', status: 403, reason: first === undefined ? 'no secret in the URL' : 'wrong secret in the URL' })
      response.writeHead(403, { 'content-type': 'text/plain; charset=utf-8' }).end(`${NEEDS_SECRET}\n`)
      return
    }
    const head = request.method === 'HEAD'
    if (rest === '') {
      // `/<secret>` → `/<secret>/`, so the page's relative asset URLs land under the secret.
      const query = search.toString()
      response.writeHead(308, { location: `/${secret}/${query ? `?${query}` : ''}` }).end()
    } else if (rest === '/' || rest === '/index.html') {
      const asked = search.get('ui')
      servePage(response, asked === 'local' || asked === 'stately' ? asked : valid.ui, head)
    } else if (rest.startsWith('/assets/') && assets?.has(rest.slice('/assets/'.length))) {
      const asset = assets.get(rest.slice('/assets/'.length)) as Asset
      response.writeHead(200, {
        'content-type': asset.contentType,
        'content-length': asset.body.length,
        'cache-control': 'no-cache',
        'x-content-type-options': 'nosniff',
        'cross-origin-resource-policy': 'same-origin',
      })
      response.end(head ? undefined : asset.body)
    } else {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n')
    }
  })

  const hub = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES })
  const countChanged = (): void => {
    try {
      options.onClientCountChange?.(hub.clients.size)
    } catch {
      // A reporting hook must not take the relay down.
    }
  }
  const sendOrDrop = (client: WebSocket, message: string): void => {
    if (client.bufferedAmount > MAX_UNSENT_BYTES) client.terminate()
    else client.send(message)
  }
  const toViewers = (message: string): void => {
    for (const [client, role] of roles) if (role.kind === 'viewer' && client.readyState === WebSocket.OPEN) sendOrDrop(client, message)
  }

  server.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on('error', () => {})
    const hostProblem = listening.guard ? listening.guard.checkHost(request.headers) : 'not listening yet'
    if (hostProblem !== undefined) {
      refused({ kind: 'websocket', status: 421, reason: hostProblem })
      return refuseUpgrade(socket, 421, `misdirected: ${hostProblem}`)
    }
    const originProblem = listening.guard?.checkOrigin(request.headers)
    if (originProblem !== undefined) {
      refused({ kind: 'websocket', status: 403, reason: originProblem })
      return refuseUpgrade(socket, 403, `forbidden: ${originProblem}`)
    }
    const { first, rest, search } = splitPath(request.url)
    if (!secretsMatch(secret, first)) {
      refused({ kind: 'websocket', status: 403, reason: first === undefined ? 'no secret in the URL' : 'wrong secret in the URL' })
      return refuseUpgrade(socket, 403, NEEDS_SECRET)
    }
    let role: Role
    if (rest === '' || rest === '/') role = { kind: 'peer', label: labelOf(search) }
    else if (rest === '/viewer') role = { kind: 'viewer' }
    else return refuseUpgrade(socket, 404, 'not found')
    hub.handleUpgrade(request, socket, head, (client) => {
      roles.set(client, role)
      hub.emit('connection', client, request)
    })
  })

  const sourceFor = (client: WebSocket, request: IncomingMessage, role: Role & { kind: 'peer' }): SourceInfo => {
    const existing = sources.get(client)
    if (existing) return existing
    const id = `app-${nextSource++}`
    const source: SourceInfo = { id, label: role.label ?? id, address: request.socket.remoteAddress, connected: true }
    sources.set(client, source)
    knownSources.set(id, source)
    if (knownSources.size > MAX_SOURCES) {
      for (const [oldId, old] of knownSources) {
        if (knownSources.size <= MAX_SOURCES) break
        if (!old.connected) knownSources.delete(oldId)
      }
    }
    toViewers(sourceMessage(source))
    return source
  }

  const relayFrame = (client: WebSocket, request: IncomingMessage, role: Role & { kind: 'peer' }, text: string): void => {
    const frame = parseFrame(text)
    if (!frame) return
    const source = sourceFor(client, request, role)
    const sessionKey = typeof frame['sessionId'] === 'string' ? `${source.id}\u0000${frame['sessionId']}` : undefined
    const chart = frame['type'] === '@xstate.actor' && typeof frame['definition'] === 'string' ? chartOf(frame['definition']) : undefined
    const seq = nextSeq++
    const entry = { seq, source: source.id, text, envelope: frameMessage(seq, source.id, text, chart) }
    history.add(entry, {
      ...(chart && sessionKey ? { machineActor: sessionKey } : {}),
      ...(frame['type'] === '@xstate.snapshot' && sessionKey ? { snapshotOf: sessionKey } : {}),
    })
    for (const [other, otherRole] of roles) {
      if (other === client || other.readyState !== WebSocket.OPEN) continue
      sendOrDrop(other, otherRole.kind === 'viewer' ? entry.envelope : text)
    }
  }

  hub.on('connection', (client: WebSocket, request: IncomingMessage) => {
    // Oversized or malformed frames make `ws` emit an error and close the client; that is all.
    client.on('error', () => {})
    const role = roles.get(client) ?? { kind: 'viewer' }
    const past = history.replay()
    if (role.kind === 'viewer') {
      client.send(helloMessage(relayId))
      const named = new Set(past.map((entry) => entry.source))
      for (const source of knownSources.values()) if (source.connected || named.has(source.id)) client.send(sourceMessage(source))
      for (const entry of past) client.send(entry.envelope)
    } else {
      for (const entry of past) client.send(entry.text)
    }
    client.on('message', (data: RawData, isBinary: boolean) => {
      // The page only watches; what it might send is not an inspection event.
      if (isBinary || role.kind !== 'peer') return
      relayFrame(client, request, role, frameText(data))
    })
    client.on('close', () => {
      roles.delete(client)
      const source = sources.get(client)
      if (source) {
        sources.delete(client)
        source.connected = false
        toViewers(sourceMessage(source))
      }
      countChanged()
    })
    countChanged()
  })
  hub.on('error', () => {
    // `ws` repeats the HTTP server's errors here. The server's own 'error' is
    // handled while listening starts; a later one is fatal and ends the process, loudly.
  })

  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      reject(new Error(`inspect relay: could not listen on ${host}:${valid.port} (${error.code ?? error.message})`, { cause: error }))
    }
    server.once('error', onError)
    server.listen(valid.port, host, () => {
      server.off('error', onError)
      resolve()
    })
  })

  const address = server.address() as AddressInfo
  listening.guard = createRequestGuard({
    listenHost: host,
    boundAddress: address.address,
    port: address.port,
    allowedOrigins: valid.allowedOrigins,
  })
  // A relay on every interface is reached here through loopback; the script prints the LAN addresses.
  const base = `${isAnyAddress(host) ? DEFAULT_INSPECT_HOST : hostName(host)}:${address.port}`
  let closing: Promise<void> | undefined

  return {
    host,
    port: address.port,
    secret,
    socketUrl: `ws://${base}/${secret}`,
    pageUrl: `http://${base}/${secret}/`,
    statelyPageUrl: `http://${base}/${secret}/?ui=stately`,
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
