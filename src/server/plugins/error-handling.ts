/**
 * Turns every failure into `{ error, message? }` with the right status: bad
 * input is 400 `invalid_request` (never a 500, never a stack), WeChat's
 * answers follow `WECHAT_ERRCODE_HTTP` (code2Session) and
 * `httpForWechatApiError` (the other APIs), a failing store is 503.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { HttpError, isHttpError } from '../http-errors.ts'
import { isSessionStoreError } from '../store/index.ts'
import { LoginHookResultError } from '../users/index.ts'
import { asHttpError, httpForWechatErrcode, isCode2SessionError, isWechatApiError, WECHAT_UNAVAILABLE_HTTP } from '../wechat/index.ts'
import type { Code2SessionError } from '../wechat/index.ts'

function fromCode2Session(error: Code2SessionError): HttpError {
  if (error.failure === 'wechat_error' && error.errcode !== undefined) {
    const answer = httpForWechatErrcode(error.errcode)
    const message =
      answer.error === 'server_misconfigured'
        ? 'the server could not log in with WeChat (check its appid and secret)'
        : `WeChat refused the login (${answer.error})`
    return new HttpError(
      answer.status,
      answer.error,
      message,
      answer.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: answer.retryAfterSeconds },
    )
  }
  return new HttpError(WECHAT_UNAVAILABLE_HTTP.status, WECHAT_UNAVAILABLE_HTTP.error, 'WeChat is unavailable; try again')
}

function fromFastify(error: FastifyError): HttpError | undefined {
  if (error.validation !== undefined) {
    // Ajv messages name the field and the rule broken, never the value.
    if (error.validationContext === 'headers') {
      return new HttpError(400, 'invalid_request', 'the Authorization header must be "Bearer <token>"')
    }
    return new HttpError(400, 'invalid_request', error.message)
  }
  const status = error.statusCode
  if (status === 413) return new HttpError(413, 'invalid_request', 'the request body is too large')
  if (status === 415) return new HttpError(400, 'invalid_request', 'the content type must be application/json')
  if (status === 429) return new HttpError(429, 'rate_limited', 'too many requests; try again later')
  if (status !== undefined && status >= 400 && status < 500) return new HttpError(400, 'invalid_request', 'the request is malformed')
  return undefined
}

export function toHttpError(error: unknown): HttpError {
  if (isHttpError(error)) return error
  if (isCode2SessionError(error)) return fromCode2Session(error)
  if (isWechatApiError(error)) return asHttpError(error) as HttpError
  if (error instanceof LoginHookResultError) return new HttpError(500, 'internal_error', 'the server failed')
  if (isSessionStoreError(error)) return new HttpError(503, 'upstream_unavailable', 'the session store is unavailable; try again')
  if (error instanceof Error) {
    const mapped = fromFastify(error as FastifyError)
    if (mapped !== undefined) return mapped
  }
  return new HttpError(500, 'internal_error', 'the server failed')
}

function logFailure(request: FastifyRequest, error: unknown, answer: HttpError): void {
  const context = { statusCode: answer.statusCode, error: answer.error }
  if (isCode2SessionError(error)) {
    const details = { ...context, failure: error.failure, errcode: error.errcode, httpStatus: error.httpStatus, attempts: error.attempts }
    if (answer.statusCode >= 500) request.log.error(details, 'code2Session failed')
    else request.log.info(details, 'code2Session refused the code')
    return
  }
  if (isWechatApiError(error)) {
    // Never the URL: its query holds the access_token.
    const details = { ...context, api: error.api, failure: error.failure, errcode: error.errcode, httpStatus: error.httpStatus }
    if (answer.statusCode >= 500) request.log.error(details, 'a WeChat API failed')
    else request.log.info(details, 'a WeChat API refused the request')
    return
  }
  if (error instanceof LoginHookResultError) {
    request.log.error({ ...context, reason: error.message }, 'onLogin answered something unusable')
    return
  }
  if (isSessionStoreError(error)) {
    request.log.error({ ...context, reason: error.message }, 'session store failed')
    return
  }
  if (answer.error === 'internal_error') {
    request.log.error({ ...context, err: error }, 'unexpected failure')
    return
  }
  request.log.info({ ...context, reason: answer.message }, 'request refused')
}

async function errorHandling(fastify: FastifyInstance): Promise<void> {
  fastify.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const answer = toHttpError(error)
    logFailure(request, error, answer)
    if (answer.retryAfterSeconds !== undefined) reply.header('retry-after', String(answer.retryAfterSeconds))
    return reply.code(answer.statusCode).send(answer.toBody())
  })
}

export const errorHandlingPlugin = fp(errorHandling, { name: 'mpl-error-handling', fastify: '5.x' })
