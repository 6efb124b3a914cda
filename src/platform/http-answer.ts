import { LoginError } from '../contract/index.ts'
import type { PlatformRequestOptions, PlatformResponse } from './types.ts'

export const HTTP_METHODS = ['OPTIONS', 'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'TRACE', 'CONNECT'] as const
export type HttpMethod = (typeof HTTP_METHODS)[number]

/** What every adapter sends, checked once: a bad request is rejected before any platform call. */
export interface CheckedRequest {
  url: string
  method: HttpMethod
  data: string | object | ArrayBuffer | undefined
  header: Record<string, string>
}

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined
}

export function isHttpStatus(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 100 && value <= 599
}

/** Throws `LoginError('invalid_request')` for a request no platform could send. */
export function checkRequest(what: string, opts: PlatformRequestOptions): CheckedRequest {
  if (typeof opts !== 'object' || opts === null) {
    throw new LoginError('invalid_request', `${what}: the request options must be an object`)
  }
  if (typeof opts.url !== 'string' || opts.url.trim() === '') {
    throw new LoginError('invalid_request', `${what}: the request needs a url`)
  }
  const method = (opts.method ?? 'GET').toUpperCase()
  if (!(HTTP_METHODS as readonly string[]).includes(method)) {
    throw new LoginError('invalid_request', `${what}: unsupported HTTP method ${JSON.stringify(opts.method)}`)
  }
  const { data } = opts
  if (data !== undefined && typeof data !== 'string' && (typeof data !== 'object' || data === null)) {
    throw new LoginError('invalid_request', `${what}: the request body must be a string, an object or an ArrayBuffer`)
  }
  const header: Record<string, string> = {}
  for (const [name, value] of Object.entries(opts.header ?? {})) {
    if (typeof value !== 'string') {
      throw new LoginError('invalid_request', `${what}: header ${JSON.stringify(name)} must be a string`)
    }
    header[name] = value
  }
  return { url: opts.url, method: method as HttpMethod, data, header }
}

/** Response headers as plain strings; anything that is not a header value is dropped. */
export function toHeaderRecord(raw: unknown): Record<string, string> {
  const header: Record<string, string> = {}
  if (typeof raw !== 'object' || raw === null) return header
  for (const [name, value] of Object.entries(raw)) {
    if (typeof value === 'string') header[name] = value
    else if (typeof value === 'number' || typeof value === 'boolean') header[name] = String(value)
    else if (Array.isArray(value)) header[name] = value.map(String).join(', ')
  }
  return header
}

/**
 * Reads an HTTP answer out of a platform's result. WeChat, QQ, Baidu,
 * ByteDance, Taro and uni-app say `statusCode`/`header`; Alipay says
 * `status`/`headers` (newer Alipay clients say both). Answers `undefined` when
 * the result holds no HTTP status.
 */
export function readHttpAnswer(result: unknown): PlatformResponse | undefined {
  const statusCode = field(result, 'statusCode')
  const status = isHttpStatus(statusCode) ? statusCode : field(result, 'status')
  if (!isHttpStatus(status)) return undefined
  const header = field(result, 'header') ?? field(result, 'headers')
  return { statusCode: status, data: field(result, 'data'), header: toHeaderRecord(header) }
}

/**
 * Why a result that `readHttpAnswer` could not read is refused. A status of 0 is
 * what a runtime reports when no HTTP answer came at all (the connection broke,
 * the app went to the background, an H5 build's CORS failure), as browsers do:
 * a transient `network` failure worth retrying, not a server answer we cannot use.
 */
export function unreadableAnswerError(what: string, result: unknown, detail: string): LoginError {
  if (field(result, 'statusCode') === 0 || field(result, 'status') === 0) {
    return new LoginError('network', `${what} answered status 0: no HTTP answer came (${detail})`)
  }
  return new LoginError('invalid_response', `${what} answered without an HTTP status (${detail})`)
}
