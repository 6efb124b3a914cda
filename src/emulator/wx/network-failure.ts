/** WeChat `errno` values the simulated APIs use (from WeChat's Errno table). */
export const WX_ERRNO = {
  /** Internal error. */
  internal: 1,
  /** The API timed out. */
  timeout: 5,
  unknownNetworkError: 600000,
  networkError: 600001,
  networkInterrupted: 600003,
  invalidUrl: 600009,
} as const

export interface NetworkFailure {
  /** What follows `api:fail `, e.g. `net::ERR_CONNECTION_REFUSED`. */
  reason: string
  errno: number
}

export const OFFLINE_FAILURE: NetworkFailure = { reason: 'net::ERR_INTERNET_DISCONNECTED', errno: WX_ERRNO.networkError }

const FAILURE_BY_CODE: ReadonlyMap<string, NetworkFailure> = new Map([
  ['ECONNREFUSED', { reason: 'net::ERR_CONNECTION_REFUSED', errno: WX_ERRNO.networkError }],
  ['ECONNRESET', { reason: 'net::ERR_CONNECTION_RESET', errno: WX_ERRNO.networkInterrupted }],
  ['EPIPE', { reason: 'net::ERR_CONNECTION_RESET', errno: WX_ERRNO.networkInterrupted }],
  // undici: the server closed the connection without (completing) an answer.
  ['UND_ERR_SOCKET', { reason: 'net::ERR_EMPTY_RESPONSE', errno: WX_ERRNO.networkInterrupted }],
  ['ENOTFOUND', { reason: 'net::ERR_NAME_NOT_RESOLVED', errno: WX_ERRNO.networkError }],
  ['EAI_AGAIN', { reason: 'net::ERR_NAME_NOT_RESOLVED', errno: WX_ERRNO.networkError }],
  ['ETIMEDOUT', { reason: 'net::ERR_CONNECTION_TIMED_OUT', errno: WX_ERRNO.networkError }],
  ['UND_ERR_CONNECT_TIMEOUT', { reason: 'net::ERR_CONNECTION_TIMED_OUT', errno: WX_ERRNO.networkError }],
  ['EHOSTUNREACH', { reason: 'net::ERR_ADDRESS_UNREACHABLE', errno: WX_ERRNO.networkError }],
  ['ENETUNREACH', { reason: 'net::ERR_INTERNET_DISCONNECTED', errno: WX_ERRNO.networkError }],
])

function errorCodeOf(error: unknown): string | undefined {
  let current: unknown = error
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code
    if (typeof code === 'string') return code
    current = (current as { cause?: unknown }).cause
  }
  return undefined
}

/**
 * Names a failed `fetch` the way WeChat's network stack (Chromium's) does,
 * e.g. `net::ERR_CONNECTION_REFUSED`. Never includes the URL or headers.
 */
export function describeNetworkError(error: unknown): NetworkFailure {
  const code = errorCodeOf(error)
  return (code === undefined ? undefined : FAILURE_BY_CODE.get(code)) ?? { reason: 'net::ERR_FAILED', errno: WX_ERRNO.unknownNetworkError }
}
