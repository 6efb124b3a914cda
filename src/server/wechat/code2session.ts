/**
 * A client for WeChat's `auth.code2Session`
 * (`GET {apiBase}/sns/jscode2session`). The AppSecret lives only in this
 * closure and in the outgoing query string; it is in no error, log line or
 * property of the returned client.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { DEFAULT_WECHAT_API_BASE, wechatEndpoint } from './api-base.ts'
import { fetchBounded, WECHAT_ANSWER_MAX_BYTES } from './bounded-fetch.ts'
import { readErrcode } from './errcode-field.ts'
import { isSessionKeyShape, isWechatId } from './identity-shape.ts'
import type { WechatCallFailure } from './wechat-api-error.ts'
import { timerDelay } from '../timer-delay.ts'

export { DEFAULT_WECHAT_API_BASE } from './api-base.ts'
export { isLoopbackHost } from './loopback.ts'
export const DEFAULT_CODE2SESSION_TIMEOUT_MS = 5000
export const DEFAULT_CODE2SESSION_RETRIES = 2
export const DEFAULT_CODE2SESSION_RETRY_DELAY_MS = 100

export interface Code2SessionClientOptions {
  appId: string
  secret: string
  /** Default `https://api.weixin.qq.com`. */
  apiBase?: string
  /** One deadline for the whole exchange, retries included. Default 5000 ms. */
  timeoutMs?: number
  /** Extra attempts after errcode -1 (system busy) or a network failure. Default 2. */
  retries?: number
  /** Delay before the first retry; doubles each time. Default 100 ms. */
  retryDelayMs?: number
  /** Default `globalThis.fetch`. */
  fetch?: typeof fetch
}

/** Who the code belongs to, as WeChat answered. */
export interface WechatIdentity {
  openid: string
  sessionKey: string
  unionid?: string
}

export interface Code2SessionClient {
  /** Trades a `wx.login` code for the user's identity; rejects with a `Code2SessionError`. */
  exchange(code: string, signal?: AbortSignal): Promise<WechatIdentity>
}

export type Code2SessionFailure = WechatCallFailure

export class Code2SessionError extends Error {
  override readonly name = 'Code2SessionError'
  readonly failure: Code2SessionFailure
  /** WeChat's errcode when `failure` is `wechat_error`. */
  readonly errcode: number | undefined
  /** The HTTP status when `failure` is `bad_status`. */
  readonly httpStatus: number | undefined
  /** How many requests were made. */
  readonly attempts: number

  constructor(
    failure: Code2SessionFailure,
    message: string,
    details: { errcode?: number; httpStatus?: number; attempts: number; cause?: unknown },
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause })
    this.failure = failure
    this.errcode = details.errcode
    this.httpStatus = details.httpStatus
    this.attempts = details.attempts
  }
}

export function isCode2SessionError(value: unknown): value is Code2SessionError {
  return value instanceof Code2SessionError
}

type AttemptResult =
  | { kind: 'ok'; identity: WechatIdentity }
  | { kind: 'errcode'; errcode: number }
  | { kind: 'bad_status'; status: number }
  | { kind: 'invalid_response'; reason: string }

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0
}

function interpret(status: number, text: string): AttemptResult {
  if (status < 200 || status >= 300) return { kind: 'bad_status', status }
  if (text.length > WECHAT_ANSWER_MAX_BYTES) return { kind: 'invalid_response', reason: 'the answer is larger than 64 KB' }
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    return { kind: 'invalid_response', reason: 'the answer is not JSON' }
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { kind: 'invalid_response', reason: 'the answer is not a JSON object' }
  }
  const fields = body as Record<string, unknown>
  const errcode = readErrcode(fields['errcode'])
  if (errcode === undefined) return { kind: 'invalid_response', reason: 'errcode is not an integer' }
  if (errcode !== 0) return { kind: 'errcode', errcode }
  const { openid, session_key: sessionKey, unionid } = fields
  if (openid === undefined || sessionKey === undefined) {
    return { kind: 'invalid_response', reason: 'openid or session_key is missing' }
  }
  // Nothing of another shape reaches the store (a 2 MB "openid" once did).
  if (!isWechatId(openid)) return { kind: 'invalid_response', reason: 'openid is not shaped like a WeChat openid' }
  if (!isSessionKeyShape(sessionKey)) return { kind: 'invalid_response', reason: 'session_key is not base64 of 16 bytes' }
  if (unionid !== undefined && !isWechatId(unionid)) {
    return { kind: 'invalid_response', reason: 'unionid is not shaped like a WeChat unionid' }
  }
  return { kind: 'ok', identity: { openid, sessionKey, ...(unionid === undefined ? {} : { unionid }) } }
}

function requirePositive(name: string, value: number, allowZero = false): number {
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new RangeError(`code2Session client: ${name} must be a ${allowZero ? 'non-negative' : 'positive'} number`)
  }
  return value
}

export function createCode2SessionClient(options: Code2SessionClientOptions): Code2SessionClient {
  const { appId, secret } = options
  if (!nonEmptyString(appId)) throw new TypeError('code2Session client: appId must be a non-empty string')
  if (!nonEmptyString(secret)) throw new TypeError('code2Session client: secret must be a non-empty string')
  // The AppSecret travels in the query string: plain http only to this machine (the emulator, a test stand-in).
  const endpoint = wechatEndpoint(options.apiBase ?? DEFAULT_WECHAT_API_BASE, '/sns/jscode2session', 'code2Session client')
  const timeoutMs = timerDelay(options.timeoutMs ?? DEFAULT_CODE2SESSION_TIMEOUT_MS, 'code2Session client: timeoutMs')
  const retries = requirePositive('retries', options.retries ?? DEFAULT_CODE2SESSION_RETRIES, true)
  if (!Number.isInteger(retries)) throw new RangeError('code2Session client: retries must be an integer')
  const retryDelayMs = requirePositive('retryDelayMs', options.retryDelayMs ?? DEFAULT_CODE2SESSION_RETRY_DELAY_MS, true)
  const doFetch = options.fetch ?? globalThis.fetch

  function urlFor(code: string): URL {
    const url = new URL(endpoint)
    url.search = new URLSearchParams({
      appid: appId,
      secret,
      js_code: code,
      grant_type: 'authorization_code',
    }).toString()
    return url
  }

  async function attempt(code: string, signal: AbortSignal): Promise<AttemptResult> {
    const answer = await fetchBounded(doFetch, urlFor(code), signal)
    if (answer.kind === 'too_large') {
      if (answer.status < 200 || answer.status >= 300) return { kind: 'bad_status', status: answer.status }
      return { kind: 'invalid_response', reason: 'the answer is larger than 64 KB' }
    }
    // WeChat answers JSON but labels it text/plain; read text and parse regardless.
    return interpret(answer.status, answer.text)
  }

  return {
    async exchange(code: string, callerSignal?: AbortSignal): Promise<WechatIdentity> {
      if (!nonEmptyString(code)) throw new TypeError('code2Session: code must be a non-empty string')
      const deadline = AbortSignal.timeout(timeoutMs)
      const signal = callerSignal === undefined ? deadline : AbortSignal.any([deadline, callerSignal])

      const stopped = (attempts: number, cause: unknown): Code2SessionError =>
        deadline.aborted
          ? new Code2SessionError('timeout', `code2Session did not answer within ${timeoutMs} ms`, { attempts, cause })
          : new Code2SessionError('aborted', 'code2Session was aborted', { attempts, cause })

      const backoff = async (done: number): Promise<void> => {
        try {
          await sleep(retryDelayMs * 2 ** (done - 1), undefined, { signal })
        } catch (error) {
          throw stopped(done, error)
        }
      }

      for (let attempts = 1; ; attempts += 1) {
        const retriesLeft = attempts <= retries
        let result: AttemptResult
        try {
          result = await attempt(code, signal)
        } catch (error) {
          if (signal.aborted) throw stopped(attempts, error)
          if (!retriesLeft) {
            throw new Code2SessionError('network', 'code2Session could not reach WeChat', { attempts, cause: error })
          }
          await backoff(attempts)
          continue
        }

        switch (result.kind) {
          case 'ok':
            return result.identity
          case 'errcode':
            if (result.errcode === -1 && retriesLeft) {
              await backoff(attempts)
              continue
            }
            throw new Code2SessionError('wechat_error', `code2Session answered errcode ${result.errcode}`, {
              errcode: result.errcode,
              attempts,
            })
          case 'bad_status':
            throw new Code2SessionError('bad_status', `code2Session answered HTTP ${result.status}`, {
              httpStatus: result.status,
              attempts,
            })
          case 'invalid_response':
            throw new Code2SessionError('invalid_response', `code2Session answered something unexpected: ${result.reason}`, {
              attempts,
            })
        }
      }
    },
  }
}
