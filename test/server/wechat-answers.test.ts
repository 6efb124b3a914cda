/**
 * Regression (review finding 5): code2Session followed redirects (a 302 from
 * upstream led to another URL whose answer was accepted as the user's
 * identity), read an answer of any size (400 MB took the server's RSS to
 * 1.25 GB), and accepted any string as openid (a 2 MB one was stored). Now no
 * redirect is followed, a body over 64 KB is refused as soon as it is seen,
 * and openid, unionid and session_key must look like WeChat's.
 */
import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { Code2SessionError, createCode2SessionClient } from '../../src/server/wechat/index.ts'
import { callWechatApi } from '../../src/server/wechat/wechat-api-call.ts'
import { WechatApiError } from '../../src/server/wechat/wechat-api-error.ts'

const servers: Server[] = []

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
})

/** An HTTP server on 127.0.0.1 standing in for WeChat's API host; `hits` counts its requests. */
async function upstream(
  handle: (request: IncomingMessage, response: ServerResponse) => void,
): Promise<{ base: string; hits: () => number }> {
  let hits = 0
  const server = createServer((request, response) => {
    hits += 1
    handle(request, response)
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits: () => hits }
}

const GOOD_SESSION_KEY = 'MDEyMzQ1Njc4OWFiY2RlZg=='

function answerJson(body: unknown): (request: IncomingMessage, response: ServerResponse) => void {
  return (_request, response) => {
    response.writeHead(200, { 'content-type': 'text/plain' })
    response.end(JSON.stringify(body))
  }
}

async function failureOf(apiBase: string, timeoutMs = 5_000): Promise<Code2SessionError> {
  const client = createCode2SessionClient({ appId: 'wx-answers', secret: 'answers-secret', apiBase, timeoutMs, retries: 0 })
  const outcome = await client.exchange('answers-code').then(
    (identity) => ({ identity }),
    (error: unknown) => ({ error }),
  )
  if (!('error' in outcome)) throw new Error(`the exchange succeeded: ${JSON.stringify(outcome.identity).slice(0, 200)}`)
  expect(outcome.error).toBeInstanceOf(Code2SessionError)
  return outcome.error as Code2SessionError
}

describe('code2Session answers', () => {
  it('does not follow a redirect: a 302 is a failed exchange and the target is never asked', async () => {
    const elsewhere = await upstream(answerJson({ openid: 'oRedirectedIdentity000000001', session_key: GOOD_SESSION_KEY }))
    const wechat = await upstream((request, response) => {
      response.writeHead(302, { location: `${elsewhere.base}${request.url ?? '/'}` })
      response.end()
    })
    const error = await failureOf(wechat.base)
    expect(error.failure).toBe('bad_status')
    expect(error.httpStatus).toBe(302)
    expect(elsewhere.hits()).toBe(0)
  })

  it('refuses a body over 64 KB, even one that is valid JSON with an identity', async () => {
    const wechat = await upstream(
      answerJson({ openid: 'oLargeAnswerIdentity00000001', session_key: GOOD_SESSION_KEY, padding: 'p'.repeat(70 * 1024) }),
    )
    const error = await failureOf(wechat.base)
    expect(error.failure).toBe('invalid_response')
  })

  it('stops reading an endless body at 64 KB instead of waiting for its end', async () => {
    const wechat = await upstream((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain' })
      const chunk = 'x'.repeat(16 * 1024)
      const pump = (): void => {
        while (response.write(chunk)) {
          // keep the socket full
        }
      }
      response.on('drain', pump)
      pump()
    })
    // Read to the end, this answer would only stop at the deadline (a timeout).
    const error = await failureOf(wechat.base, 15_000)
    expect(error.failure).toBe('invalid_response')
  })

  it.each([
    ['a 2 MB openid', { openid: `o${'A'.repeat(2 * 1024 * 1024)}`, session_key: GOOD_SESSION_KEY }],
    ['an openid with characters WeChat never uses', { openid: 'o{slot}:../x', session_key: GOOD_SESSION_KEY }],
    ['a session_key that is not base64 of 16 bytes', { openid: 'oShapeCheck00000000000000001', session_key: 'a2V5' }],
    ['a session_key of 2 MB', { openid: 'oShapeCheck00000000000000002', session_key: 'A'.repeat(2 * 1024 * 1024) }],
    ['a unionid that is too long', { openid: 'oShapeCheck00000000000000003', session_key: GOOD_SESSION_KEY, unionid: 'u'.repeat(300) }],
  ])('refuses %s', async (_label, body) => {
    const wechat = await upstream(answerJson(body))
    const error = await failureOf(wechat.base)
    expect(error.failure).toBe('invalid_response')
  })

  // Number() reads "", null, [] and false as 0: these once passed as a success.
  const NOT_AN_ERRCODE: Array<[string, unknown]> = [
    ['an empty string', ''],
    ['null', null],
    ['an empty array', []],
    ['false', false],
    ['a fraction', 1.5],
    ['an exponent in a string', '4e4'],
  ]

  it.each(NOT_AN_ERRCODE)('code2Session: an errcode that is %s is a malformed answer, even beside an identity', async (_label, errcode) => {
    const wechat = await upstream(answerJson({ errcode, openid: 'oErrcodeShape000000000000001', session_key: GOOD_SESSION_KEY }))
    const error = await failureOf(wechat.base)
    expect(error.failure).toBe('invalid_response')
    expect(error.errcode).toBeUndefined()
  })

  it('code2Session: an errcode written as a string of digits is that errcode', async () => {
    const wechat = await upstream(answerJson({ errcode: '40029', errmsg: 'invalid code' }))
    const error = await failureOf(wechat.base)
    expect(error.failure).toBe('wechat_error')
    expect(error.errcode).toBe(40029)
  })

  async function callOutcome(body: unknown): Promise<Record<string, unknown> | WechatApiError> {
    const wechat = await upstream(answerJson(body))
    const call = callWechatApi({ api: 'checkSessionKey', url: new URL('/wxa/checksession', wechat.base), timeoutMs: 5_000, fetch })
    return call.catch((error: unknown) => {
      expect(error).toBeInstanceOf(WechatApiError)
      return error as WechatApiError
    })
  }

  it.each(NOT_AN_ERRCODE)('the other server APIs: an errcode that is %s is a malformed answer', async (_label, errcode) => {
    const outcome = await callOutcome({ errcode, errmsg: 'ok' })
    expect(outcome).toBeInstanceOf(WechatApiError)
    expect((outcome as WechatApiError).failure).toBe('invalid_response')
  })

  it('the other server APIs: errcode 0, "0" or none is a success; "87009" is that errcode', async () => {
    for (const body of [{ errcode: 0, errmsg: 'ok' }, { errcode: '0', errmsg: 'ok' }, { errmsg: 'ok' }]) {
      expect(await callOutcome(body)).toEqual(body)
    }
    const refused = await callOutcome({ errcode: '87009', errmsg: 'invalid signature' })
    expect(refused).toBeInstanceOf(WechatApiError)
    expect((refused as WechatApiError).failure).toBe('wechat_error')
    expect((refused as WechatApiError).errcode).toBe(87009)
  })

  it('accepts what WeChat really sends', async () => {
    const wechat = await upstream(
      answerJson({ openid: 'oGZUI0egBJY1zhBYw2KhdUfwVJJE', session_key: GOOD_SESSION_KEY, unionid: 'o6_bmasdasdsad6_2sgVt7hMZOPfL' }),
    )
    const client = createCode2SessionClient({ appId: 'wx-answers', secret: 'answers-secret', apiBase: wechat.base, retries: 0 })
    await expect(client.exchange('answers-code')).resolves.toEqual({
      openid: 'oGZUI0egBJY1zhBYw2KhdUfwVJJE',
      sessionKey: GOOD_SESSION_KEY,
      unionid: 'o6_bmasdasdsad6_2sgVt7hMZOPfL',
    })
  })
})
