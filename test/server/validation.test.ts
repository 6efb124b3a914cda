import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CODE_MAX_LENGTH } from '../../src/server/schemas.ts'
import { bearer, login, newUser, startFixture } from './helpers/server-fixture.ts'
import type { Fixture } from './helpers/server-fixture.ts'

let fixture: Fixture
let token: string

beforeAll(async () => {
  fixture = await startFixture()
  token = (await login(fixture, newUser())).token
})

afterAll(async () => {
  await fixture.close()
})

type InjectOptions = {
  url: string
  headers?: Record<string, string>
  payload?: string | Record<string, unknown> | unknown[]
}

async function expectInvalidRequest(request: InjectOptions, status = 400): Promise<void> {
  const response = await fixture.app.inject({ method: 'POST', ...request })
  expect(response.statusCode).toBe(status)
  const body = response.json<Record<string, unknown>>()
  expect(body['error']).toBe('invalid_request')
  expect(typeof body['message']).toBe('string')
  expect(Object.keys(body).sort()).toEqual(['error', 'message'])
  expect(response.body).not.toMatch(/\bat .+\.(ts|js):\d+/)
}

describe('POST /auth/login rejects malformed bodies with 400 invalid_request', () => {
  const json = { 'content-type': 'application/json' }

  it.each([
    ['a missing code', {}],
    ['a numeric code', { code: 123456 }],
    ['a null code', { code: null }],
    ['a boolean code', { code: true }],
    ['an array code', { code: ['abc'] }],
    ['an object code', { code: { $ne: '' } }],
    ['an empty code', { code: '' }],
    ['a code with spaces', { code: 'abc def' }],
    ['a code with a newline', { code: 'abc\ndef' }],
    ['a 10 KB code', { code: 'a'.repeat(10 * 1024) }],
    ['a code one character too long', { code: 'a'.repeat(CODE_MAX_LENGTH + 1) }],
  ])('%s', async (_, payload) => {
    await expectInvalidRequest({ url: '/auth/login', headers: json, payload })
  })

  it('a body that is an array', async () => {
    await expectInvalidRequest({ url: '/auth/login', headers: json, payload: [{ code: 'abc' }] })
  })

  it('a body that is a JSON string', async () => {
    await expectInvalidRequest({ url: '/auth/login', headers: json, payload: '"abc"' })
  })

  it('invalid JSON', async () => {
    await expectInvalidRequest({ url: '/auth/login', headers: json, payload: '{"code": "abc"' })
  })

  it('no body at all', async () => {
    await expectInvalidRequest({ url: '/auth/login' })
  })

  it('an empty JSON body', async () => {
    await expectInvalidRequest({ url: '/auth/login', headers: json, payload: '' })
  })

  it('a form-encoded body', async () => {
    await expectInvalidRequest({
      url: '/auth/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'code=abc',
    })
  })

  it('a text/plain body holding JSON', async () => {
    await expectInvalidRequest({ url: '/auth/login', headers: { 'content-type': 'text/plain' }, payload: '{"code":"abc"}' })
  })

  it('a prototype-poisoning body', async () => {
    await expectInvalidRequest({ url: '/auth/login', headers: json, payload: '{"code":"abc","__proto__":{"admin":true}}' })
  })

  it('a body over the size cap answers 413 invalid_request', async () => {
    await expectInvalidRequest({ url: '/auth/login', headers: json, payload: { code: 'a'.repeat(64 * 1024) } }, 413)
  })

  it('never asks WeChat about a rejected code', async () => {
    const before = fixture.wechat.stats().code2Session
    await expectInvalidRequest({ url: '/auth/login', headers: json, payload: { code: 'a'.repeat(10 * 1024) } })
    expect(fixture.wechat.stats().code2Session).toBe(before)
  })

  it('refuses unknown extra fields (the schema is strict), before anything reaches WeChat', async () => {
    const user = newUser()
    const before = fixture.wechat.stats().code2Session
    const response = await fixture.app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { code: await fixture.wechat.codeFor(user), device: 'iPhone' },
    })
    expect(response.statusCode).toBe(400)
    expect(response.json()).toMatchObject({ error: 'invalid_request' })
    expect(fixture.wechat.stats().code2Session).toBe(before)
  })
})

describe('Bearer routes reject a missing or malformed Authorization with 400 invalid_request', () => {
  const cases: [string, Record<string, string>][] = [
    ['no Authorization header', {}],
    ['an empty Authorization header', { authorization: '' }],
    ['another scheme', { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }],
    ['the token without a scheme', { authorization: 'A'.repeat(43) }],
    ['a short token', { authorization: `Bearer ${'A'.repeat(42)}` }],
    ['a long token', { authorization: `Bearer ${'A'.repeat(44)}` }],
    ['a token with characters outside base64url', { authorization: `Bearer ${'A'.repeat(42)}+` }],
    ['a 10 KB header', { authorization: `Bearer ${'A'.repeat(10 * 1024)}` }],
  ]

  for (const url of ['/auth/session', '/auth/logout', '/auth/decrypt']) {
    it.each(cases)(`${url}: %s`, async (_, headers) => {
      await expectInvalidRequest({ url, headers })
    })
  }

  it('a token that is well-formed but unknown is 401, not 400', async () => {
    const response = await fixture.app.inject({ method: 'POST', url: '/auth/session', headers: bearer('Z'.repeat(43)) })
    expect(response.statusCode).toBe(401)
  })
})

describe('POST /auth/decrypt rejects malformed bodies with 400 invalid_request', () => {
  const iv = Buffer.alloc(16, 1).toString('base64')
  const encryptedData = Buffer.alloc(32, 2).toString('base64')

  it.each([
    ['a missing iv', { encryptedData }],
    ['missing encryptedData', { iv }],
    ['an iv of 12 bytes', { encryptedData, iv: Buffer.alloc(12).toString('base64') }],
    ['an iv that is not base64', { encryptedData, iv: '!'.repeat(22) + '==' }],
    ['encryptedData that is not base64', { encryptedData: '%%%%'.repeat(8), iv }],
    ['numeric fields', { encryptedData: 1234, iv: 5678 }],
    ['encryptedData over the cap', { encryptedData: 'A'.repeat(20 * 1024), iv }],
  ])('%s', async (_, payload) => {
    await expectInvalidRequest({ url: '/auth/decrypt', headers: bearer(token), payload })
  })
})
