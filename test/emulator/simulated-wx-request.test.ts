import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSimulatedWx, WX_ERRNO, type SimulatedWx } from '../../src/emulator/index.ts'
import { unusedPort } from '../support/ports.ts'
import { callbacksOf } from './support.ts'

type Success = WechatMiniprogram.RequestSuccessCallbackResult
type Failure = WechatMiniprogram.RequestFailCallbackErr

interface Echo {
  method: string
  url: string
  headers: Record<string, string | string[] | undefined>
  body: string
}

/** A developer server stand-in: a few routes that answer in the ways the tests need. */
function route(req: IncomingMessage, res: ServerResponse, body: string): void {
  const path = new URL(req.url ?? '/', 'http://x').pathname
  switch (path) {
    case '/echo': {
      const echo: Echo = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body }
      res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': ['a=1; Path=/', 'b=2; Path=/'] })
      res.end(JSON.stringify(echo))
      return
    }
    case '/status/401':
      res.writeHead(401, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ error: 'session_expired' }))
      return
    case '/status/503':
      res.writeHead(503, { 'content-type': 'text/plain' })
      res.end('upstream down')
      return
    case '/not-json':
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end('{"broken": ')
      return
    case '/bom-json':
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end('\uFEFF{"ok":true}')
      return
    case '/bytes':
      res.writeHead(200, { 'content-type': 'application/octet-stream' })
      res.end(Buffer.from([1, 2, 3, 250]))
      return
    case '/no-content':
      res.writeHead(204)
      res.end()
      return
    case '/hang':
      // Never answers; the client's timeout or abort has to end it.
      return
    case '/drop':
      req.socket.destroy()
      return
    default:
      res.writeHead(404)
      res.end('not found')
  }
}

let server: Server
let base: string
let wx: SimulatedWx

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => route(req, res, Buffer.concat(chunks).toString('utf8')))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  // The emulator is not needed for wx.request; any URL will do for emulatorUrl.
  wx = createSimulatedWx({ emulatorUrl: base })
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
})

function request(option: Omit<WechatMiniprogram.RequestOption, 'success' | 'fail' | 'complete'>, on = wx) {
  return callbacksOf<Success, Failure>((cb) => {
    on.request({ ...option, ...cb })
  })
}

describe('simulated wx.request', () => {
  it('answers success with the real result shape and "request:ok"', async () => {
    const calls = await request({ url: `${base}/echo` })

    expect(calls.fail).toEqual([])
    expect(calls.success).toHaveLength(1)
    const result = calls.success[0] as Success
    expect(result.errMsg).toBe('request:ok')
    expect(result.statusCode).toBe(200)
    expect(result.header['content-type']).toBe('application/json')
    expect(result.cookies).toEqual(['a=1; Path=/', 'b=2; Path=/'])
    expect(result.profile.port).toBe(Number(new URL(base).port))
    expect(result.profile.peerIP).toBe('127.0.0.1')
    expect(result.exception).toEqual({ reasons: [], retryCount: 0 })
    expect(calls.complete).toEqual([result])
  })

  it('defaults to GET, sends data as a query string, and sends the headers given', async () => {
    const calls = await request({ url: `${base}/echo?x=1`, data: { q: 'a b&c', n: 2, skip: undefined }, header: { 'X-Trace': 'abc' } })

    const echo = calls.success[0]?.data as Echo
    expect(echo.method).toBe('GET')
    expect(echo.url).toBe('/echo?x=1&q=a%20b%26c&n=2')
    expect(echo.body).toBe('')
    expect(echo.headers['x-trace']).toBe('abc')
    expect(echo.headers['content-type']).toBe('application/json')
  })

  it('sends POST data as JSON by default', async () => {
    const calls = await request({
      url: `${base}/echo`,
      method: 'POST',
      data: { code: 'abc' },
      header: { Authorization: 'Bearer t0k3n' },
    })

    const echo = calls.success[0]?.data as Echo
    expect(echo.method).toBe('POST')
    expect(JSON.parse(echo.body)).toEqual({ code: 'abc' })
    expect(echo.headers.authorization).toBe('Bearer t0k3n')
  })

  it('form-encodes POST data when the content-type says so', async () => {
    const calls = await request({
      url: `${base}/echo`,
      method: 'POST',
      data: { a: '1', b: 'x y' },
      header: { 'content-type': 'application/x-www-form-urlencoded' },
    })

    expect((calls.success[0]?.data as Echo).body).toBe('a=1&b=x%20y')
  })

  it('does not let the mini-program set Referer', async () => {
    const calls = await request({ url: `${base}/echo`, header: { Referer: 'https://evil.example/' } })

    expect((calls.success[0]?.data as Echo).headers.referer).toBeUndefined()
  })

  it('delivers HTTP 4xx and 5xx through success with their statusCode', async () => {
    const unauthorized = await request({ url: `${base}/status/401`, method: 'POST' })
    const unavailable = await request({ url: `${base}/status/503` })

    expect(unauthorized.fail).toEqual([])
    expect(unauthorized.success[0]).toMatchObject({ statusCode: 401, data: { error: 'session_expired' }, errMsg: 'request:ok' })
    expect(unavailable.success[0]).toMatchObject({ statusCode: 503, data: 'upstream down', errMsg: 'request:ok' })
  })

  it('falls back to the raw string when a JSON body does not parse, and strips a BOM', async () => {
    const broken = await request({ url: `${base}/not-json` })
    const bom = await request({ url: `${base}/bom-json` })

    expect(broken.success[0]?.data).toBe('{"broken": ')
    expect(bom.success[0]?.data).toEqual({ ok: true })
  })

  it('leaves the body as text for another dataType, and as bytes for responseType arraybuffer', async () => {
    const text = await request({ url: `${base}/echo`, dataType: 'text' })
    const bytes = await request({ url: `${base}/bytes`, responseType: 'arraybuffer' })
    const empty = await request({ url: `${base}/no-content` })

    expect(typeof text.success[0]?.data).toBe('string')
    expect(JSON.parse(text.success[0]?.data as string)).toMatchObject({ method: 'GET' })
    expect(bytes.success[0]?.data).toBeInstanceOf(ArrayBuffer)
    expect([...new Uint8Array(bytes.success[0]?.data as ArrayBuffer)]).toEqual([1, 2, 3, 250])
    expect(empty.success[0]).toMatchObject({ statusCode: 204, data: '' })
  })

  it('fails with "request:fail timeout" when the answer does not come within timeout', async () => {
    const calls = await request({ url: `${base}/hang`, timeout: 30 })

    expect(calls.success).toEqual([])
    expect(calls.fail).toHaveLength(1)
    expect(calls.fail[0]).toMatchObject({ errMsg: 'request:fail timeout', errno: WX_ERRNO.timeout })
    expect(calls.complete).toEqual(calls.fail)
  })

  it('fails with a request:fail network error when the connection is dropped or refused', async () => {
    const dropped = await request({ url: `${base}/drop` })
    const refused = await request({ url: `http://127.0.0.1:${await unusedPort()}/anything` })

    expect(dropped.fail[0]).toMatchObject({ errMsg: 'request:fail net::ERR_EMPTY_RESPONSE', errno: WX_ERRNO.networkInterrupted })
    expect(refused.fail[0]).toMatchObject({ errMsg: 'request:fail net::ERR_CONNECTION_REFUSED', errno: WX_ERRNO.networkError })
    expect(dropped.complete).toHaveLength(1)
    expect(refused.complete).toHaveLength(1)
  })

  it('fails every request while offline, and works again once back online', async () => {
    const device = createSimulatedWx({ emulatorUrl: base })
    device.sim.setOffline(true)
    const offline = await request({ url: `${base}/echo` }, device)
    device.sim.setOffline(false)
    const online = await request({ url: `${base}/echo` }, device)

    expect(offline.fail[0]).toMatchObject({ errMsg: 'request:fail net::ERR_INTERNET_DISCONNECTED' })
    expect(online.success[0]?.statusCode).toBe(200)
    expect(device.sim.calls.request).toBe(2)
  })

  it('RequestTask.abort ends a pending request with "request:fail abort", once', async () => {
    const calls = await callbacksOf<Success, Failure>((cb) => {
      const task = wx.request({ url: `${base}/hang`, ...cb })
      setImmediate(() => {
        task.abort()
        task.abort()
      })
    })

    expect(calls.fail).toHaveLength(1)
    expect(calls.fail[0]?.errMsg).toBe('request:fail abort')
    expect(calls.complete).toHaveLength(1)
  })

  it('abort after the answer changes nothing', async () => {
    let task: WechatMiniprogram.RequestTask | undefined
    const calls = await callbacksOf<Success, Failure>((cb) => {
      task = wx.request({ url: `${base}/echo`, ...cb })
    })
    task?.abort()
    await new Promise((resolve) => setImmediate(resolve))

    expect(calls.success).toHaveLength(1)
    expect(calls.fail).toEqual([])
    expect(calls.complete).toHaveLength(1)
  })

  it('tells onHeadersReceived listeners the status and headers before success', async () => {
    const order: string[] = []
    const seen: WechatMiniprogram.RequestTaskOnHeadersReceivedListenerResult[] = []
    await callbacksOf<Success, Failure>((cb) => {
      const task = wx.request({
        url: `${base}/status/401`,
        success: (r) => {
          order.push('success')
          cb.success(r)
        },
        complete: cb.complete,
      })
      task.onHeadersReceived((headers) => {
        order.push('headers')
        seen.push(headers)
      })
    })

    expect(order).toEqual(['headers', 'success'])
    expect(seen[0]?.statusCode).toBe(401)
    expect(seen[0]?.header['content-type']).toBe('application/json')
  })

  it('never calls back before wx.request has returned', async () => {
    let returned = false
    let calledEarly = false
    const device = createSimulatedWx({ emulatorUrl: base })
    device.sim.setOffline(true)

    await callbacksOf<Success, Failure>((cb) => {
      device.request({
        url: `${base}/echo`,
        fail: cb.fail,
        complete: (r) => {
          if (!returned) calledEarly = true
          cb.complete(r)
        },
      })
      returned = true
    })

    expect(calledEarly).toBe(false)
  })

  it('answers bad parameters through fail, with complete', async () => {
    const badUrl = await request({ url: 'not a url' })
    const notString = await request({ url: 42 as unknown as string })
    const badTimeout = await request({ url: `${base}/echo`, timeout: 0 })
    const badMethod = await request({ url: `${base}/echo`, method: 'FETCH' as 'GET' })

    expect(badUrl.fail[0]).toMatchObject({ errMsg: 'request:fail invalid url', errno: WX_ERRNO.invalidUrl })
    expect(notString.fail[0]?.errMsg).toBe('request:fail parameter error: parameter.url should be String instead of Number;')
    expect(badTimeout.fail[0]?.errMsg).toMatch(/^request:fail parameter error: parameter\.timeout/)
    expect(badMethod.fail[0]?.errMsg).toMatch(/^request:fail parameter error: parameter\.method/)
    for (const calls of [badUrl, notString, badTimeout, badMethod]) expect(calls.complete).toHaveLength(1)
  })

  it('still calls complete when a callback throws, and reports what was thrown', async () => {
    const reported: unknown[] = []
    const device = createSimulatedWx({ emulatorUrl: base, onCallbackError: (error) => reported.push(error) })
    const boom = new Error('bug in success')

    const calls = await callbacksOf<Success, Failure>((cb) => {
      device.request({
        url: `${base}/echo`,
        success: () => {
          throw boom
        },
        complete: cb.complete,
      })
    })

    expect(calls.complete).toHaveLength(1)
    expect(reported).toEqual([boom])
  })
})
