/** The URLs at which a server listening on `host:port` can be reached. */
import { networkInterfaces } from 'node:os'
import { isLoopbackHost } from '../server/wechat/index.ts'

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]'])

export interface ReachableUrls {
  /** For a client on this computer (WeChat DevTools, Node). */
  local: string
  /** For a phone on the same LAN; empty when the server listens on loopback only or there is no LAN. */
  lan: string[]
  /** `true` when the server listens on every interface. */
  allInterfaces: boolean
  /** `true` when only this computer can reach the server. */
  loopbackOnly: boolean
}

function hostInUrl(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host
}

/** The non-internal IPv4 addresses of this computer (what a phone on the LAN would dial). */
export function lanIPv4Addresses(interfaces = networkInterfaces()): string[] {
  const addresses: string[] = []
  for (const entries of Object.values(interfaces)) {
    for (const entry of entries ?? []) {
      if (entry.family === 'IPv4' && !entry.internal) addresses.push(entry.address)
    }
  }
  return addresses
}

export function reachableUrls(host: string, port: number, interfaces = networkInterfaces()): ReachableUrls {
  if (WILDCARD_HOSTS.has(host)) {
    return {
      local: `http://127.0.0.1:${port}`,
      lan: lanIPv4Addresses(interfaces).map((address) => `http://${address}:${port}`),
      allInterfaces: true,
      loopbackOnly: false,
    }
  }
  const url = `http://${hostInUrl(host)}:${port}`
  const loopbackOnly = isLoopbackHost(host)
  return { local: url, lan: loopbackOnly ? [] : [url], allInterfaces: false, loopbackOnly }
}
