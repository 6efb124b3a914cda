import { CLIENT_CODE_OF_SERVER_ERROR, LoginError, isServerErrorCode } from '../../contract/index.ts'
import type { PlatformResponse } from '../../platform/types.ts'

/** A response header, whatever its case. */
export function headerValue(header: Record<string, string> | undefined, name: string): string | undefined {
  if (!header) return undefined
  const wanted = name.toLowerCase()
  for (const [key, value] of Object.entries(header)) {
    if (key.toLowerCase() === wanted) return value
  }
  return undefined
}

/** The answer's `Date` header as ms since the epoch, when it has a readable one. */
export function dateHeaderMs(header: Record<string, string> | undefined): number | undefined {
  const parsed = Date.parse(headerValue(header, 'date') ?? '')
  return Number.isNaN(parsed) ? undefined : parsed
}

/**
 * `Retry-After` as milliseconds: either delay-seconds or an HTTP date. A date is
 * the server's time, so it is measured from the answer's own `Date` header when
 * there is one: a phone clock an hour off would otherwise retry at once, or wait an hour.
 */
export function retryAfterMs(header: Record<string, string> | undefined, now?: number): number | undefined {
  const raw = headerValue(header, 'retry-after')?.trim()
  if (!raw) return undefined
  if (/^\d+$/.test(raw)) return Number(raw) * 1000
  const date = Date.parse(raw)
  return Number.isNaN(date) ? undefined : Math.max(0, date - (now ?? dateHeaderMs(header) ?? Date.now()))
}

function contractErrorOf(data: unknown): string | undefined {
  if (typeof data !== 'object' || data === null) return undefined
  const { error } = data as Record<string, unknown>
  return typeof error === 'string' ? error : undefined
}

/**
 * Turns a non-success answer of the developer server into a `LoginError`.
 * The contract's `error` field decides when it is known; otherwise the status
 * does: 429 rate limited, 5xx a transient server error, anything else a
 * response the client cannot use. Only the contract's own codes are quoted
 * in the message: any other `error` text is the server's and may hold
 * personal data (a phone number, a user id).
 */
export function errorFromResponse(response: PlatformResponse, action: string): LoginError {
  const contractError = contractErrorOf(response.data)
  const mapped = isServerErrorCode(contractError) ? CLIENT_CODE_OF_SERVER_ERROR[contractError] : undefined
  const retryAfter = retryAfterMs(response.header)
  const options = retryAfter === undefined ? {} : { retryAfterMs: retryAfter }
  const message = `${action} answered HTTP ${response.statusCode}${isServerErrorCode(contractError) ? ` (${contractError})` : ''}`
  if (mapped) return new LoginError(mapped, message, options)
  if (response.statusCode === 429) return new LoginError('rate_limited', message, options)
  if (response.statusCode >= 500) return new LoginError('server_error', message, options)
  return new LoginError('invalid_response', message)
}
