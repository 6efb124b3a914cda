/**
 * Who may talk to the relay, judged from the request before anything else
 * happens:
 *
 * - `Host` must name this relay: a loopback name or the address it listens
 *   on, with its port. A page on a rebinding DNS name (`evil.example` that
 *   now resolves to 127.0.0.1) sends its own name and is refused.
 * - `Origin`, on a WebSocket upgrade, must be absent (a mini-program, Node)
 *   or the relay page's own origin, or one the user allowed. Browsers always
 *   send it, and a page cannot choose it.
 */
import type { IncomingHttpHeaders } from 'node:http'
import { networkInterfaces } from 'node:os'

export const LOOPBACK_NAMES: readonly string[] = ['localhost', '127.0.0.1', '[::1]']
const ANY_ADDRESS = new Set(['0.0.0.0', '::', '[::]'])

/** How an address appears in a `Host` header or URL: IPv6 in brackets, lower case. */
export function hostName(address: string): string {
  const lower = address.toLowerCase()
  return lower.includes(':') && !lower.startsWith('[') ? `[${lower}]` : lower
}

export function isAnyAddress(host: string): boolean {
  return ANY_ADDRESS.has(host.toLowerCase())
}

/** Every address of this machine, for a relay that listens on all of them. */
function interfaceNames(): string[] {
  const names: string[] = []
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) names.push(hostName(address.address.replace(/%.*$/, '')))
  }
  return names
}

export interface RequestGuard {
  /** `undefined` when the `Host` header names this relay, else why not. */
  checkHost(headers: IncomingHttpHeaders): string | undefined
  /** `undefined` when the upgrade's `Origin` is acceptable, else why not. */
  checkOrigin(headers: IncomingHttpHeaders): string | undefined
}

interface ParsedHost {
  name: string
  port: number
}

function parseHost(value: string): ParsedHost | undefined {
  const match = /^(\[[0-9a-f:.]+\]|[^:[\]\s/@]+)(?::(\d{1,5}))?$/i.exec(value)
  if (!match?.[1]) return undefined
  return { name: match[1].toLowerCase(), port: match[2] === undefined ? 80 : Number(match[2]) }
}

/** A header value safe to quote in a message: bounded, printable. */
function quoted(value: string): string {
  return JSON.stringify(value.length > 100 ? `${value.slice(0, 100)}…` : value)
}

export function createRequestGuard(options: {
  listenHost: string
  boundAddress: string
  port: number
  allowedOrigins: readonly string[]
}): RequestGuard {
  const names = new Set<string>([...LOOPBACK_NAMES, hostName(options.listenHost), hostName(options.boundAddress)])
  const everywhere = isAnyAddress(options.listenHost)
  const allowedOrigins = new Set(options.allowedOrigins.map((origin) => origin.toLowerCase()))

  const knownName = (name: string): boolean => names.has(name) || (everywhere && interfaceNames().includes(name))

  return {
    checkHost(headers) {
      const host = headers.host
      if (host === undefined || host === '') return 'no Host header'
      const parsed = parseHost(host)
      if (!parsed || !knownName(parsed.name) || parsed.port !== options.port) return `Host ${quoted(host)} is not this relay`
      return undefined
    },
    checkOrigin(headers) {
      const origin = headers.origin
      if (origin === undefined) return undefined
      const lower = origin.toLowerCase()
      // The page's own origin is the address the browser used to reach it, which checkHost already accepted.
      if (headers.host !== undefined && lower === `http://${headers.host.toLowerCase()}`) return undefined
      if (allowedOrigins.has(lower)) return undefined
      return `Origin ${quoted(origin)} is not the inspector page`
    },
  }
}
