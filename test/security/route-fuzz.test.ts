/**
 * Fuzzes every route of the developer server through `inject()` with
 * fast-check: random JSON and non-JSON bodies, huge and unicode strings,
 * wrong types, prototype-poisoning keys, odd content types, missing,
 * duplicated and malformed `Authorization` headers, tokens of the wrong
 * length or alphabet, odd methods and paths. Whatever comes in: never a 5xx,
 * never a stack trace, source path or internal name in the body, never a
 * secret, and always the `{ error, message? }` shape for a failure.
 */
import { connect } from 'node:net'
import type { FastifyInstance, InjectOptions } from 'fastify'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { WechatEmulator } from '../../src/emulator/index.ts'
import { startFixture, type Fixture } from '../server/helpers/server-fixture.ts'
import { addMeRoute } from '../reliability/support/e2e-stack.ts'
import { internalsIn, secretsIn } from '../reliability/support/leaks.ts'

const RUNS_PER_ROUTE = Number(process.env['MPL_FUZZ_RUNS'] ?? 250)

let fixture: Fixture
let emulator: WechatEmulator
let app: FastifyInstance
let validToken = ''
let sessionKey = ''

beforeAll(async () => {
  fixture = await startFixture({ rateLimit: false, code2SessionTimeoutMs: 2_000 }, {}, addMeRoute)
  app = fixture.app
  emulator = fixture.wechat
  const openid = 'oFuzzUser0000000000000000001'
  const login = await app.inject({ method: 'POST', url: '/auth/login', payload: { code: await emulator.issueCode(openid) } })
  expect(login.statusCode).toBe(200)
  validToken = login.json<{ token: string }>().token
  sessionKey = emulator.sessionKeyOf(openid) ?? ''
  expect(sessionKey).not.toBe('')
})

afterAll(async () => {
  await fixture.close()
})

const ROUTES = [
  { method: 'POST', url: '/auth/login' },
  { method: 'POST', url: '/auth/session' },
  { method: 'POST', url: '/auth/logout' },
  { method: 'POST', url: '/auth/decrypt' },
  { method: 'POST', url: '/auth/phone' },
  { method: 'POST', url: '/auth/session-key' },
  { method: 'GET', url: '/healthz' },
  { method: 'GET', url: '/me' },
] as const

const printable = (max: number): fc.Arbitrary<string> =>
  fc.string({ unit: 'binary-ascii', maxLength: max }).map((s) => s.replace(/[^\x20-\x7e]/g, ''))

const unicodeText = fc.string({ unit: 'binary', maxLength: 64 })
const hugeText = fc
  .tuple(fc.constantFrom('a', '\u00e9', '\u4e2d', '\ud83d\ude00', '"', '\\', '{'), fc.integer({ min: 1_000, max: 120_000 }))
  .map(([unit, n]) => unit.repeat(n))

/** Header-safe tokens of every wrong kind, plus the right one. */
const tokenArb: fc.Arbitrary<() => string> = fc.oneof(
  fc.constant(() => validToken),
  fc.constant(() => validToken.toUpperCase()),
  fc.constant(() => validToken.slice(0, 42)),
  fc.constant(() => `${validToken}A`),
  fc.stringMatching(/^[A-Za-z0-9_-]{43}$/).map((t) => () => t),
  fc.stringMatching(/^[A-Za-z0-9+/=]{40,48}$/).map((t) => () => t),
  fc.stringMatching(/^[A-Za-z0-9_-]{0,200}$/).map((t) => () => t),
  printable(300).map((t) => () => t),
)

const authorizationArb: fc.Arbitrary<(() => string | string[]) | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.constant(() => 'Bearer'),
  fc.constant(() => 'Bearer '),
  fc.constant(() => ''),
  tokenArb.map((t) => () => `Bearer ${t()}`),
  fc.tuple(fc.constantFrom('bearer', 'BEARER', 'Basic', 'Token', 'Bearer  ', 'Bearer\t'), tokenArb).map(
    ([scheme, t]) =>
      () =>
        `${scheme} ${t()}`,
  ),
  fc.tuple(tokenArb, tokenArb).map(([a, b]) => () => [`Bearer ${a()}`, `Bearer ${b()}`]),
  printable(500).map((value) => () => value),
)

const contentTypeArb: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 6, arbitrary: fc.constant('application/json') },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      undefined,
      '',
      'application/json; charset=utf-8',
      'APPLICATION/JSON',
      'application/json; charset=latin1',
      'text/plain',
      'text/plain; charset=utf-8',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=xyz',
      'application/xml',
      'application/octet-stream',
      'application/json-patch+json',
      'application/vnd.api+json',
      '*/*',
    ),
  },
  { weight: 1, arbitrary: printable(80) },
)

const payloadArb: fc.Arbitrary<string | Buffer | undefined> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue().map((value) => JSON.stringify(value)) },
  { weight: 2, arbitrary: fc.record({ code: fc.oneof(printable(40), unicodeText, fc.jsonValue()) }).map((body) => JSON.stringify(body)) },
  {
    weight: 2,
    arbitrary: fc
      .record({
        encryptedData: fc.oneof(fc.base64String({ maxLength: 400 }), unicodeText, fc.jsonValue()),
        iv: fc.oneof(fc.base64String({ minLength: 24, maxLength: 24 }), unicodeText),
      })
      .map((body) => JSON.stringify(body)),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '{"__proto__":{"polluted":true},"code":"abc"}',
      '{"constructor":{"prototype":{"polluted":true}},"code":"abc"}',
      '{"code":"abc","code":"def"}',
      '{"code":',
      '[]',
      'null',
      '0',
      '"code"',
      '{"code":null}',
      '{"code":["a"]}',
      '{"code":{"$ne":""}}',
      '\ufeff{"code":"abc"}',
      '',
      ' ',
    ),
  },
  { weight: 1, arbitrary: fc.json() },
  { weight: 1, arbitrary: unicodeText },
  { weight: 1, arbitrary: hugeText.map((text) => JSON.stringify({ code: text })) },
  { weight: 1, arbitrary: hugeText },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 2_048 }).map((bytes) => Buffer.from(bytes)) },
  { weight: 1, arbitrary: fc.constant(undefined) },
)

const pathSuffixArb = fc.oneof(
  { weight: 8, arbitrary: fc.constant('') },
  { weight: 1, arbitrary: fc.constantFrom('/', '?', '?code=abc', '/../healthz', '//', '%00', '?__proto__[x]=1', '/%2e%2e/') },
  { weight: 1, arbitrary: printable(30).map((s) => `?q=${encodeURIComponent(s)}`) },
)

interface Attempt {
  route: number
  method: string | undefined
  suffix: string
  contentType: string | undefined
  authorization: (() => string | string[]) | undefined
  payload: string | Buffer | undefined
}

const attemptArb = (route: number): fc.Arbitrary<Attempt> =>
  fc.record({
    route: fc.constant(route),
    method: fc.oneof(
      { weight: 9, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.constantFrom('GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD') },
    ),
    suffix: pathSuffixArb,
    contentType: contentTypeArb,
    authorization: authorizationArb,
    payload: payloadArb,
  })

function describeAttempt(attempt: Attempt): string {
  const route = ROUTES[attempt.route]
  const auth = attempt.authorization?.()
  const body = attempt.payload === undefined ? 'none' : `${Buffer.byteLength(attempt.payload)} bytes`
  return `${attempt.method ?? route?.method} ${route?.url}${attempt.suffix} ct=${JSON.stringify(attempt.contentType)} auth=${JSON.stringify(auth)?.slice(0, 80)} body=${body}`
}

async function send(attempt: Attempt): Promise<void> {
  const route = ROUTES[attempt.route]
  if (!route) throw new Error('no such route')
  const headers: Record<string, string | string[]> = {}
  if (attempt.contentType !== undefined) headers['content-type'] = attempt.contentType
  const auth = attempt.authorization?.()
  if (auth !== undefined) headers['authorization'] = auth
  const options = {
    method: (attempt.method ?? route.method) as InjectOptions['method'],
    url: route.url + attempt.suffix,
    headers,
    ...(attempt.payload === undefined ? {} : { payload: attempt.payload }),
  } as InjectOptions
  const response = await app.inject(options)
  const what = describeAttempt(attempt)

  expect(response.statusCode, what).toBeLessThan(500)
  expect(response.headers['x-powered-by'], what).toBeUndefined()
  expect(internalsIn(response.body), `${what}: ${response.body.slice(0, 300)}`).toEqual([])
  expect(secretsIn(response.body, [fixture.secret, sessionKey, validToken]), what).toEqual([])
  if (response.statusCode >= 400 && options.method !== 'HEAD') {
    const body = response.json<Record<string, unknown>>()
    expect(typeof body['error'], what).toBe('string')
    expect(
      Object.keys(body).every((key) => key === 'error' || key === 'message'),
      `${what}: ${response.body}`,
    ).toBe(true)
  }
  // Nothing a request sends can reach the prototype of plain objects.
  expect(({} as Record<string, unknown>)['polluted']).toBeUndefined()
}

describe('fuzzing every route (fast-check, inject)', () => {
  for (const [index, route] of ROUTES.entries()) {
    it(`${route.method} ${route.url}: never a 5xx, a stack trace or a secret`, async () => {
      await fc.assert(fc.asyncProperty(attemptArb(index), send), { numRuns: RUNS_PER_ROUTE })
    })
  }

  it('random paths and methods: 404 not_found in the error shape, never a 5xx', async () => {
    const pathArb = fc.oneof(
      printable(60).map((p) => `/${encodeURI(p)}`),
      fc.webPath(),
    )
    await fc.assert(
      fc.asyncProperty(pathArb, fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH'), async (path, method) => {
        const response = await app.inject({ method, url: path.startsWith('/') ? path : `/${path}` })
        expect(response.statusCode).toBeLessThan(500)
        expect(internalsIn(response.body)).toEqual([])
        if (response.statusCode >= 400) expect(typeof response.json<Record<string, unknown>>()['error']).toBe('string')
      }),
      { numRuns: RUNS_PER_ROUTE },
    )
  })

  it('duplicate Authorization headers on the wire: never a 5xx, and a bogus first one never authenticates', async () => {
    await app.listen({ port: 0, host: '127.0.0.1' })
    const address = app.server.address()
    if (address === null || typeof address === 'string') throw new Error('no TCP address')
    const bogus = `Bearer ${'B'.repeat(43)}`
    const valid = `Bearer ${validToken}`
    for (const url of ['/auth/session', '/me']) {
      const method = url === '/me' ? 'GET' : 'POST'
      const bogusFirst = await rawRequest(address.port, method, url, [bogus, valid])
      expect(bogusFirst.status).toBeLessThan(500)
      expect(bogusFirst.status).not.toBe(200)
      expect(internalsIn(bogusFirst.body)).toEqual([])
      for (const pair of [
        [valid, bogus],
        [valid, valid],
        ['Bearer', valid],
        [valid, ''],
      ]) {
        const answer = await rawRequest(address.port, method, url, pair)
        expect(answer.status).toBeLessThan(500)
        expect(internalsIn(answer.body)).toEqual([])
      }
    }
  })

  it('still logs users in after all that (the fuzz did not break the server)', async () => {
    const login = await app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { code: await emulator.issueCode('oFuzzUser0000000000000000002') },
    })
    expect(login.statusCode).toBe(200)
    const me = await app.inject({
      method: 'GET',
      url: '/me',
      headers: { authorization: `Bearer ${login.json<{ token: string }>().token}` },
    })
    expect(me.json()).toEqual({ openid: 'oFuzzUser0000000000000000002' })
  })
})

/** Sends one HTTP/1.1 request byte for byte, with repeated Authorization headers. */
function rawRequest(port: number, method: string, path: string, authorizations: string[]): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    const chunks: Buffer[] = []
    socket.on('data', (chunk) => chunks.push(chunk))
    socket.on('error', reject)
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8')
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0)
      resolve({ status, body: text.slice(text.indexOf('\r\n\r\n') + 4) })
    })
    const headers = [`${method} ${path} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close', 'Content-Length: 0']
    for (const value of authorizations) headers.push(`Authorization: ${value}`)
    socket.end(`${headers.join('\r\n')}\r\n\r\n`)
  })
}
