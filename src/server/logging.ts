/**
 * Logger settings that keep secrets out of every line. The server never logs
 * request bodies or headers; redaction is the second line of defence should a
 * custom serializer or a future log call include them anyway.
 */
import type { FastifyRequest, FastifyServerOptions } from 'fastify'

export type ServerLoggerOption = FastifyServerOptions['logger']

/** Paths pino replaces with `[redacted]`. */
export const REDACTED_LOG_PATHS: readonly string[] = Object.freeze([
  'req.headers.authorization',
  'req.headers.cookie',
  'req.body',
  'headers.authorization',
  'headers.cookie',
  'body',
  'code',
  'token',
  'secret',
  'sessionKey',
  'session_key',
  'accessToken',
  'access_token',
  'phone',
  'phoneNumber',
  'purePhoneNumber',
  'encryptedData',
  '*.accessToken',
  '*.access_token',
  '*.phone',
  '*.phoneNumber',
  '*.purePhoneNumber',
  '*.encryptedData',
  '*.token',
  '*.secret',
  '*.sessionKey',
  '*.session_key',
  '*.js_code',
  '*.authorization',
  // The raw bytes of a request Node's HTTP parser refused (tokens and codes included).
  'rawPacket',
  'err.rawPacket',
  '*.rawPacket',
])

type SerializedRequest = {
  method: string
  url: string
  remoteAddress: string
}

/** Like Fastify's own request serializer, minus the query string (a client could put anything there). */
function serializeRequest(request: FastifyRequest): SerializedRequest {
  const queryStart = request.url.indexOf('?')
  return {
    method: request.method,
    url: queryStart === -1 ? request.url : request.url.slice(0, queryStart),
    remoteAddress: request.ip,
  }
}

/** The `logger` option given to Fastify: the caller's settings plus redaction and a query-free request serializer. */
export function withSecretRedaction(logger: ServerLoggerOption): ServerLoggerOption {
  if (logger === undefined || logger === false) return false
  const base = logger === true ? {} : logger
  const existing = base.redact
  const existingPaths = existing === undefined ? [] : Array.isArray(existing) ? existing : existing.paths
  const options = existing !== undefined && !Array.isArray(existing) ? existing : {}
  return {
    ...base,
    redact: { ...options, paths: [...new Set([...REDACTED_LOG_PATHS, ...existingPaths])], censor: '[redacted]' },
    serializers: { req: serializeRequest, ...base.serializers },
  }
}
