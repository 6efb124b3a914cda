/**
 * The rate-limit key of a client address. IPv4 counts per address. IPv6
 * counts per /64: one subscriber usually holds a whole /64 (RFC 6177), so per
 * address it could use a fresh one for every attempt. IPv4-mapped IPv6
 * (`::ffff:192.0.2.1`, what a dual-stack socket reports) counts as its IPv4.
 * An address with a port (`192.0.2.1:50000`, `[2001:db8::1]:50000`, as some
 * proxies write X-Forwarded-For) counts as the address alone: the client
 * picks a new port with every connection.
 *
 * Anything else (a Unix socket, or whatever a proxy forwarded that is no IP
 * address) counts under a digest of its text: a fixed-length key without the
 * braces a Redis Cluster reads as a hash tag, however long or odd the text.
 */
import { isIPv4, isIPv6 } from 'node:net'
import { sha256Hex } from '../sha256-hex.ts'

/** The eight 16-bit groups of an IPv6 address (zone and embedded IPv4 handled), or `undefined`. */
function ipv6Groups(address: string): number[] | undefined {
  let text = address.replace(/%.*$/, '').toLowerCase()
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)
  if (dotted?.[1] !== undefined) {
    const bytes = dotted[1].split('.').map(Number)
    text = `${text.slice(0, dotted.index)}${((bytes[0]! << 8) | bytes[1]!).toString(16)}:${((bytes[2]! << 8) | bytes[3]!).toString(16)}`
  }
  const halves = text.split('::')
  if (halves.length > 2) return undefined
  const parse = (part: string | undefined): number[] =>
    part === undefined || part === '' ? [] : part.split(':').map((group) => parseInt(group, 16))
  const head = parse(halves[0])
  const tail = parse(halves[1])
  const missing = 8 - head.length - tail.length
  if (halves.length === 1 ? missing !== 0 : missing < 0) return undefined
  const groups = [...head, ...new Array<number>(halves.length === 1 ? 0 : missing).fill(0), ...tail]
  return groups.length === 8 && groups.every((group) => Number.isInteger(group) && group >= 0 && group <= 0xffff) ? groups : undefined
}

/** The address without the port some proxies append (`192.0.2.1:50000`, `[2001:db8::1]:50000`), when what remains is an IP. */
function withoutPort(address: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(address)
  if (bracketed?.[1] !== undefined && isIPv6(bracketed[1])) return bracketed[1]
  const dotted = /^([\d.]+):\d{1,5}$/.exec(address)
  if (dotted?.[1] !== undefined && isIPv4(dotted[1])) return dotted[1]
  return address
}

export function addressKey(peer: string): string {
  const address = withoutPort(peer)
  if (isIPv4(address)) return `ip4:${address}`
  if (isIPv6(address)) {
    const groups = ipv6Groups(address)
    if (groups !== undefined) {
      const mapped = groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff
      if (mapped) return `ip4:${groups[6]! >> 8}.${groups[6]! & 255}.${groups[7]! >> 8}.${groups[7]! & 255}`
      return `ip6:${groups
        .slice(0, 4)
        .map((group) => group.toString(16))
        .join(':')}::/64`
    }
  }
  // Not an IP address: counted, as one client, under its digest.
  return `peer:${sha256Hex(address)}`
}
