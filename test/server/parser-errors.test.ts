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
