/**
 * One call of a WeChat server API over `fetchBounded`: a deadline, no
 * redirects, at most 64 KB read, the answer parsed as WeChat's JSON whatever
 * its content type. A body with a non-zero `errcode` is a `WechatApiError`;
 * anything else comes back as the parsed object for the API to check.
 */
import { fetchBounded } from './bounded-fetch.ts'
import { readErrcode } from './errcode-field.ts'
import { WechatApiError, type WechatServerApiName } from './wechat-api-error.ts'

export interface WechatApiCall {
  api: WechatServerApiName
  url: URL
  /** POSTed as JSON when given; otherwise the call is a GET. */
  json?: unknown
  timeoutMs: number
  fetch: typeof fetch
  signal?: AbortSignal
}

function parseAnswer(api: WechatServerApiName, text: string): Record<string, unknown> {
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    throw new WechatApiError(api, 'invalid_response', `${api} answered something that is not JSON`)
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new WechatApiError(api, 'invalid_response', `${api} answered something that is not a JSON object`)
  }
  return body as Record<string, unknown>
}

/** The answer's JSON object when WeChat reports no error; rejects with a `WechatApiError` otherwise. */
export async function callWechatApi(call: WechatApiCall): Promise<Record<string, unknown>> {
  const { api } = call
  const deadline = AbortSignal.timeout(call.timeoutMs)
  const signal = call.signal === undefined ? deadline : AbortSignal.any([deadline, call.signal])
  let answer
  try {
    answer = await fetchBounded(call.fetch, call.url, signal, undefined, call.json === undefined ? undefined : { json: call.json })
  } catch (error) {
    if (deadline.aborted) throw new WechatApiError(api, 'timeout', `${api} did not answer within ${call.timeoutMs} ms`, { cause: error })
    if (signal.aborted) throw new WechatApiError(api, 'aborted', `${api} was aborted`, { cause: error })
    throw new WechatApiError(api, 'network', `${api} could not reach WeChat`, { cause: error })
  }
  if (answer.status < 200 || answer.status >= 300) {
    throw new WechatApiError(api, 'bad_status', `${api} answered HTTP ${answer.status}`, { httpStatus: answer.status })
  }
  if (answer.kind === 'too_large') throw new WechatApiError(api, 'invalid_response', `${api} answered more than 64 KB`)
  const body = parseAnswer(api, answer.text)
  const errcode = readErrcode(body['errcode'])
  if (errcode === undefined) throw new WechatApiError(api, 'invalid_response', `${api} answered an errcode that is not an integer`)
  if (errcode === 0) return body
  throw new WechatApiError(api, 'wechat_error', `${api} answered errcode ${errcode}`, { errcode })
}
