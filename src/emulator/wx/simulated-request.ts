import { deliver, type CallbackErrorReporter, type Outcome } from './callbacks.ts'
import { describeNetworkError, OFFLINE_FAILURE, WX_ERRNO, type NetworkFailure } from './network-failure.ts'
import { requestProfile } from './request-profile.ts'
import { wxTypeName } from './wx-api-error.ts'

type RequestSuccess = WechatMiniprogram.RequestSuccessCallbackResult
type RequestFailure = WechatMiniprogram.RequestFailCallbackErr
type HeadersListener = WechatMiniprogram.RequestTaskOnHeadersReceivedCallback
type ChunkListener = WechatMiniprogram.OnChunkReceivedCallback

export interface SimulatedRequestContext {
  isOffline(): boolean
  defaultTimeoutMs: number
  report: CallbackErrorReporter
}

const METHODS = new Set(['OPTIONS', 'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'TRACE', 'CONNECT'])
/** Methods WeChat accepts but Node's fetch refuses to send. */
const UNSENDABLE_METHODS = new Set(['TRACE', 'CONNECT'])
/** Methods whose `data` goes into the query string, as `wx.request` does for GET. */
const QUERY_METHODS = new Set(['GET', 'HEAD'])

class ParameterError extends Error {}

function failure(reason: string, errno: number): RequestFailure {
  return {
    errMsg: `request:fail ${reason}`,
    errno,
    exception: { reasons: [{ errMsg: reason, errno: String(errno) }], retryCount: 0 },
    useHttpDNS: false,
  }
}

function networkFailure({ reason, errno }: NetworkFailure): RequestFailure {
  return failure(reason, errno)
}

function queryValue(value: unknown): string {
  if (typeof value === 'object' && value !== null) return JSON.stringify(value)
  return String(value)
}

/** `encodeURIComponent(k)=encodeURIComponent(v)&…`, as `wx.request` builds it; `undefined` members are left out. */
function toQueryString(data: WechatMiniprogram.IAnyObject): string {
  return Object.entries(data)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(queryValue(value))}`)
    .join('&')
}

function resolveTimeout(timeout: unknown, fallback: number): number {
  if (timeout === undefined) return fallback
  if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0) {
    throw new ParameterError(`parameter error: parameter.timeout should be a positive Number instead of ${wxTypeName(timeout)};`)
  }
  return timeout
}

interface PreparedRequest {
  url: URL
  method: string
  headers: Headers
  body: string | ArrayBuffer | undefined
  timeoutMs: number
  responseType: 'text' | 'arraybuffer'
  parseJson: boolean
}

function prepare(option: WechatMiniprogram.RequestOption, defaultTimeoutMs: number): PreparedRequest {
  if (typeof option.url !== 'string') {
    throw new ParameterError(`parameter error: parameter.url should be String instead of ${wxTypeName(option.url)};`)
  }
  let url: URL
  try {
    url = new URL(option.url)
  } catch {
    throw new ParameterError('invalid url')
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ParameterError('invalid url')

  const method = (option.method ?? 'GET').toUpperCase()
  if (!METHODS.has(method)) throw new ParameterError(`parameter error: parameter.method is not one of ${[...METHODS].join(', ')};`)
  if (UNSENDABLE_METHODS.has(method)) throw new ParameterError(`the simulator cannot send ${method} requests`)

  const headers = new Headers()
  for (const [name, value] of Object.entries(option.header ?? {})) {
    // WeChat does not let a mini-program set Referer; it silently keeps its own.
    if (name.toLowerCase() === 'referer' || value === undefined) continue
    try {
      headers.set(name, String(value))
    } catch {
      throw new ParameterError('parameter error: parameter.header holds an invalid header')
    }
  }
  if (!headers.has('content-type')) headers.set('content-type', 'application/json')

  let body: string | ArrayBuffer | undefined
  const data: unknown = option.data
  if (data !== undefined && data !== null) {
    if (QUERY_METHODS.has(method)) {
      if (data instanceof ArrayBuffer) throw new ParameterError(`parameter error: a ${method} request cannot carry an ArrayBuffer`)
      const query = typeof data === 'string' ? data : toQueryString(data as WechatMiniprogram.IAnyObject)
      if (query.length > 0) url = new URL(`${url.href}${url.search === '' ? '?' : '&'}${query}`)
    } else if (data instanceof ArrayBuffer || typeof data === 'string') {
      body = data
    } else {
      const form = headers.get('content-type')?.toLowerCase().startsWith('application/x-www-form-urlencoded') ?? false
      body = form ? toQueryString(data as WechatMiniprogram.IAnyObject) : JSON.stringify(data)
    }
  }

  return {
    url,
    method,
    headers,
    body,
    timeoutMs: resolveTimeout(option.timeout, defaultTimeoutMs),
    responseType: option.responseType === 'arraybuffer' ? 'arraybuffer' : 'text',
    parseJson: (option.dataType ?? 'json') === 'json',
  }
}

function bodyBytes(body: string | ArrayBuffer | undefined): number {
  if (body === undefined) return 0
  return typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength
}

function headerObject(headers: Headers): WechatMiniprogram.IAnyObject {
  const result: Record<string, string> = {}
  for (const [name, value] of headers) {
    result[name] = result[name] === undefined ? value : `${result[name]}, ${value}`
  }
  return result
}

function decodeBody(bytes: ArrayBuffer, prepared: PreparedRequest): string | ArrayBuffer | WechatMiniprogram.IAnyObject {
  if (prepared.responseType === 'arraybuffer') return bytes
  // WeChat strips one UTF-8 byte-order mark.
  const text = new TextDecoder('utf-8', { ignoreBOM: false }).decode(bytes)
  if (!prepared.parseJson) return text
  try {
    return JSON.parse(text) as WechatMiniprogram.IAnyObject
  } catch {
    return text
  }
}

/**
 * `wx.request` over real HTTP: any HTTP status arrives in `success`; only a
 * request that got no answer (network failure, timeout, abort) ends in `fail`.
 */
export function simulatedRequest(option: WechatMiniprogram.RequestOption, context: SimulatedRequestContext): WechatMiniprogram.RequestTask {
  const headersListeners = new Set<HeadersListener>()
  const controller = new AbortController()
  let stopReason: 'abort' | 'timeout' | undefined
  let settled = false

  function finish(outcome: Outcome<RequestSuccess, RequestFailure>): void {
    if (settled) return
    settled = true
    deliver(option, outcome, context.report)
  }

  async function run(): Promise<void> {
    // Like WeChat, never call back before `wx.request` has returned its task.
    await Promise.resolve()
    if (stopReason === 'abort') return finish({ ok: false, error: failure('abort', WX_ERRNO.internal) })
    if (context.isOffline()) return finish({ ok: false, error: networkFailure(OFFLINE_FAILURE) })

    let prepared: PreparedRequest
    try {
      prepared = prepare(option, context.defaultTimeoutMs)
    } catch (error) {
      if (!(error instanceof ParameterError)) throw error
      const errno = error.message === 'invalid url' ? WX_ERRNO.invalidUrl : WX_ERRNO.internal
      return finish({ ok: false, error: failure(error.message, errno) })
    }

    const invokeStart = Date.now()
    const timer = setTimeout(() => {
      stopReason ??= 'timeout'
      controller.abort()
    }, prepared.timeoutMs)
    try {
      const response = await fetch(prepared.url, {
        method: prepared.method,
        headers: prepared.headers,
        ...(prepared.body === undefined ? {} : { body: prepared.body }),
        signal: controller.signal,
        redirect: 'follow',
      })
      const responseStart = Date.now()
      const header = headerObject(response.headers)
      const cookies = response.headers.getSetCookie()
      for (const listener of headersListeners) {
        try {
          listener({ header, cookies, statusCode: response.status })
        } catch (error) {
          context.report(error)
        }
      }
      const bytes = await response.arrayBuffer()
      if (stopReason !== undefined) throw new Error('stopped')
      finish({
        ok: true,
        result: {
          data: decodeBody(bytes, prepared),
          statusCode: response.status,
          header,
          cookies,
          errMsg: 'request:ok',
          profile: requestProfile(prepared.url, {
            invokeStart,
            responseStart,
            responseEnd: Date.now(),
            sentBytes: bodyBytes(prepared.body),
            receivedBytes: bytes.byteLength,
          }),
          exception: { reasons: [], retryCount: 0 },
          useHttpDNS: false,
        },
      })
    } catch (error) {
      if (stopReason === 'timeout') finish({ ok: false, error: failure('timeout', WX_ERRNO.timeout) })
      else if (stopReason === 'abort') finish({ ok: false, error: failure('abort', WX_ERRNO.internal) })
      else finish({ ok: false, error: networkFailure(describeNetworkError(error)) })
    } finally {
      clearTimeout(timer)
    }
  }

  run().catch((error: unknown) => {
    // A bug in the simulator: still answer, so no caller waits forever.
    finish({ ok: false, error: failure(`simulator error: ${error instanceof Error ? error.message : String(error)}`, WX_ERRNO.internal) })
  })

  const task: WechatMiniprogram.RequestTask = {
    abort(): void {
      if (settled || stopReason !== undefined) return
      stopReason = 'abort'
      controller.abort()
    },
    onHeadersReceived(listener: HeadersListener): void {
      headersListeners.add(listener)
    },
    offHeadersReceived(listener?: HeadersListener): void {
      if (listener === undefined) headersListeners.clear()
      else headersListeners.delete(listener)
    },
    // Chunked transfer (`enableChunked`) is not simulated: chunk listeners are accepted and never called.
    onChunkReceived(_listener: ChunkListener): void {},
    offChunkReceived(_listener?: ChunkListener): void {},
  }
  return task
}
