/**
 * Regression (review finding 8): requests Node's HTTP parser refuses (a bad
 * content-length, headers too large, a broken request line) were answered in
 * Fastify's shape, `{"error":"Bad Request","message":"Client Error","statusCode":400}`,
 * not the documented `{ error, message }` with one of the server's codes.
 */
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SERVER_ERROR_CODES } from '../../src/contract/index.ts'
import { createServer, createSqliteStore } from '../../src/server/index.ts'
import { startTestWechat } from './helpers/server-fixture.ts'
import type { TestWechat } from './helpers/server-fixture.ts'
import { sendRaw } from './helpers/raw-http.ts'

let wechat: TestWechat
let app: FastifyInstance
let port: number

beforeAll(async () => {
  wechat = await startTestWechat()
  app = await createServer({
    wechat: { appId: wechat.appId, secret: wechat.secret, apiBase: wechat.apiBase },
    store: createSqliteStore({ path: ':memory:', sweepIntervalMs: false }),
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  port = (app.server.address() as { port: number }).port
})

afterAll(async () => {
  await app.close()
  await wechat.close()
})

function expectContractShape(body: string): void {
  const parsed = JSON.parse(body) as Record<string, unknown>
  expect(Object.keys(parsed).sort()).toEqual(['error', 'message'])
  expect(SERVER_ERROR_CODES).toContain(parsed['error'])
  expect(typeof parsed['message']).toBe('string')
}

describe('requests refused by the HTTP parser', () => {
  it('a content-length that is not a number: 400 invalid_request in the contract shape', async () => {
    const answer = await sendRaw(port, 'POST /auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: abc\r\n\r\n{}')
    expect(answer.status).toBe(400)
    expectContractShape(answer.body)
    expect(JSON.parse(answer.body)).toMatchObject({ error: 'invalid_request' })
    expect(answer.headers.toLowerCase()).toContain('content-type: application/json')
  })

  it('two conflicting content-lengths: 400 invalid_request', async () => {
    const answer = await sendRaw(port, 'POST /auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\nContent-Length: 7\r\n\r\n{}')
    expect(answer.status).toBe(400)
    expectContractShape(answer.body)
  })

  it('headers larger than the parser accepts: 431 invalid_request', async () => {
    const answer = await sendRaw(port, `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Filler: ${'x'.repeat(20_000)}\r\n\r\n`)
    expect(answer.status).toBe(431)
    expectContractShape(answer.body)
    expect(JSON.parse(answer.body)).toMatchObject({ error: 'invalid_request' })
  })

  it('a broken request line: 400 invalid_request', async () => {
    const answer = await sendRaw(port, 'GARBAGE\r\n\r\n')
    expect(answer.status).toBe(400)
    expectContractShape(answer.body)
  })
})

describe('a request that never finishes arriving', () => {
  it('is answered 408 invalid_request once requestTimeoutMs has passed, and does not hold close() open', async () => {
    const slow = await createServer({
      wechat: { appId: wechat.appId, secret: wechat.secret, apiBase: wechat.apiBase },
      store: createSqliteStore({ path: ':memory:', sweepIntervalMs: false }),
      requestTimeoutMs: 300,
    })
    await slow.listen({ port: 0, host: '127.0.0.1' })
    const slowPort = (slow.server.address() as { port: number }).port
    // The headers and part of the body, then nothing: the socket would stay open for ever without a limit.
    const answer = await sendRaw(
      slowPort,
      'POST /auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"code":',
    )
    expect(answer.status).toBe(408)
    expectContractShape(answer.body)
    expect(JSON.parse(answer.body)).toMatchObject({ error: 'invalid_request', message: 'the request did not arrive in time' })
    // A second one still arriving when close() begins (Node checks no request timeout from then on):
    // close() cuts its connection once one more request time has passed, rather than wait for ever.
    const stalled = sendRaw(
      slowPort,
      'POST /auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{',
    )
    await new Promise((resolve) => setTimeout(resolve, 50))
    await slow.close()
    expect((await stalled).status).toBe(0)
  })

  it('gives the default of 30 s to a server created without requestTimeoutMs, takes a longer one, and refuses a limit no timer can keep', async () => {
    expect(app.server.requestTimeout).toBe(30_000)
    const base = {
      wechat: { appId: wechat.appId, secret: wechat.secret, apiBase: wechat.apiBase },
      store: createSqliteStore({ path: ':memory:', sweepIntervalMs: false }),
    }
    const patient = await createServer({ ...base, requestTimeoutMs: 600_000 })
    expect([patient.server.requestTimeout, patient.server.headersTimeout]).toEqual([600_000, 600_000])
    await patient.close()
    for (const requestTimeoutMs of [0, -1, 1.5, Number.NaN, Infinity, 2 ** 31]) {
      await expect(createServer({ ...base, requestTimeoutMs }), String(requestTimeoutMs)).rejects.toThrow(
        new RangeError('createServer: requestTimeoutMs must be a whole number of milliseconds from 1 to 2147483647'),
      )
    }
  })
})
