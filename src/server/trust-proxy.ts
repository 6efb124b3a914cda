/**
 * `createServer`'s `trustProxy`, checked. Fastify's `true` trusts every peer,
 * so a client that writes its own `X-Forwarded-For` picks its address, and a
 * new one per attempt walks past the rate limit: refused. Fastify 5 reads a
 * number as "trust no peer" (every client behind the proxy would then share
 * the proxy's counter); here a hop count means what it says, trust that many
 * peers nearest the server, as a function Fastify accepts.
 */

export type TrustProxyOption = false | string | string[] | number | ((address: string, hop: number) => boolean)

export type FastifyTrustProxy = false | string | string[] | ((address: string, hop: number) => boolean)

export function fastifyTrustProxy(option: unknown, caller: string): FastifyTrustProxy | undefined {
  if (option === undefined || option === false) return undefined
  if (option === true) {
    throw new TypeError(
      `${caller}: trustProxy: true would let any client set its own address in X-Forwarded-For (and pass the rate limit with a new one per attempt); ` +
        "give the proxy's address ('10.0.0.2', a list or CIDR ranges) or its hop count instead",
    )
  }
  if (typeof option === 'number') {
    if (!(Number.isSafeInteger(option) && option > 0))
      throw new RangeError(`${caller}: trustProxy as a hop count must be a positive integer`)
    const hops = option
    return (_address, hop) => hop < hops
  }
  if (typeof option === 'string' && option.trim() !== '') return option
  if (Array.isArray(option) && option.length > 0 && option.every((entry) => typeof entry === 'string' && entry.trim() !== '')) {
    return option as string[]
  }
  if (typeof option === 'function') return option as (address: string, hop: number) => boolean
  throw new TypeError(`${caller}: trustProxy must be the proxy's address (a string, a list or CIDR ranges), a hop count or a function`)
}
