/**
 * Fastify's `clientErrorHandler`: what a request that Node's HTTP parser
 * refused (headers too large, a bad content-length, a broken request line)
 * gets. Fastify's own handler answers in its own shape and logs the error
 * with `rawPacket`, the request's raw bytes, in which a token or a login code
 * can be read. This one answers `{ error: 'invalid_request', message }` like
 * every other refusal and logs only the parser's error code.
 *
 * `createServer` installs it; an app of your own that registers `loginPlugin`
 * passes it to Fastify: `Fastify({ clientErrorHandler: answerClientError })`.
 */
import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyInstance } from 'fastify'

interface ParserError extends Error {
  code?: string
}

function answerFor(code: string | undefined): { status: number; message: string } {
  if (code === 'HPE_HEADER_OVERFLOW') return { status: 431, message: 'the request headers are too large' }
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return { status: 408, message: 'the request did not arrive in time' }
  return { status: 400, message: 'the request is not valid HTTP' }
}

export function answerClientError(this: FastifyInstance, error: ParserError, socket: Socket): void {
  // A reset connection has no one left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return
  const { status, message } = answerFor(error.code)
  // The code only: never the error object, which carries the raw bytes.
  this.log.debug({ code: error.code, statusCode: status }, 'request refused by the HTTP parser')
  if (socket.writable) {
    const body = JSON.stringify({ error: 'invalid_request', message })
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Bad Request'}\r\n` +
        'Content-Type: application/json; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        'Cache-Control: no-store\r\n' +
        'Connection: close\r\n\r\n' +
        body,
    )
  }
  socket.destroy()
}
