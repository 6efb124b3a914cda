/**
 * The server's HTTP error answers. Every failure leaves the server as
 * `{ error, message? }` with one of these codes; nothing else (no stack, no
 * upstream text, no secret) is ever put in an error body.
 */
import type { ErrorBody, ServerErrorCode } from '../contract/index.ts'

export { SERVER_ERROR_CODES } from '../contract/index.ts'
export type { ErrorBody, ServerErrorCode } from '../contract/index.ts'

export interface HttpErrorOptions {
  /** Sent as the `Retry-After` header, in whole seconds. */
  retryAfterSeconds?: number
  cause?: unknown
}

/** A failure that already knows its HTTP answer. Throw it from a route or hook. */
export class HttpError extends Error {
  override readonly name = 'HttpError'
  readonly statusCode: number
  readonly error: ServerErrorCode
  readonly retryAfterSeconds: number | undefined

  constructor(statusCode: number, error: ServerErrorCode, message?: string, options: HttpErrorOptions = {}) {
    super(message ?? error, options.cause === undefined ? undefined : { cause: options.cause })
    this.statusCode = statusCode
    this.error = error
    this.retryAfterSeconds = options.retryAfterSeconds
  }

  toBody(): ErrorBody {
    return { error: this.error, message: this.message }
  }
}

export function isHttpError(value: unknown): value is HttpError {
  return value instanceof HttpError
}
