/** The HTTP adapter's account calls: `POST /auth/phone` and `POST /auth/session-key` with the session's token. */
import { describe, expect, it } from 'vitest'
import { httpSessionServer, LoginError } from '../../../src/index.ts'
import type { PlatformRequestOptions, PlatformResponse } from '../../../src/index.ts'

const SESSION = { token: 'tok', expiresAt: 1_900_000_000_000 }
const PHONE = { phoneNumber: '+85261234567', purePhoneNumber: '61234567', countryCode: '852' }

function serverAnswering(response: PlatformResponse, options: { paths?: Record<string, string>; tokenHeader?: string } = {}) {
  const sent: PlatformRequestOptions[] = []
  const server = httpSessionServer({
    baseUrl: 'https://api.example.com',
    ...options,
    request: async (request) => {
      sent.push(request)
      return response
    },
  })
  return { server, sent }
}

async function failure(promise: Promise<unknown> | undefined): Promise<string> {
  const error = await promise?.catch((e: unknown) => e)
  if (!(error instanceof LoginError)) throw new Error('expected a LoginError')
  return error.code
}

describe('httpSessionServer: the account calls', () => {
  it('POSTs the phone code with the Bearer token and returns only the three fields', async () => {
    const { server, sent } = serverAnswering({ statusCode: 200, data: { ...PHONE, watermark: { appid: 'wx' } } })
    await expect(server.bindPhoneNumber?.(SESSION, 'phone-code')).resolves.toEqual(PHONE)
    expect(sent[0]).toMatchObject({
      url: 'https://api.example.com/auth/phone',
      method: 'POST',
      data: { code: 'phone-code' },
      header: { Authorization: 'Bearer tok' },
    })
  })

  it("maps the server's refusals and refuses an answer that is not a phone number, without quoting it", async () => {
    expect(
      await failure(serverAnswering({ statusCode: 400, data: { error: 'invalid_phone_code' } }).server.bindPhoneNumber?.(SESSION, 'c')),
    ).toBe('invalid_phone_code')
    expect(
      await failure(serverAnswering({ statusCode: 401, data: { error: 'session_expired' } }).server.bindPhoneNumber?.(SESSION, 'c')),
    ).toBe('session_expired')
    expect(
      await failure(serverAnswering({ statusCode: 503, data: { error: 'upstream_unavailable' } }).server.bindPhoneNumber?.(SESSION, 'c')),
    ).toBe('server_error')
    const odd = serverAnswering({ statusCode: 200, data: { phoneNumber: 'call me 13800138000' } })
    const error = await odd.server.bindPhoneNumber?.(SESSION, 'c').catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'invalid_response' })
    expect((error as Error).message).not.toContain('13800138000')
  })

  it('refuses, as invalid_response and without quoting it, any answer with a field missing, of the wrong type or not digits', async () => {
    const odd: unknown[] = [
      // No body at all, a JSON null, text: not an object.
      undefined,
      null,
      'ok',
      { ...PHONE, phoneNumber: 85261234567 },
      { ...PHONE, phoneNumber: 'tel:85261234567' },
      { ...PHONE, purePhoneNumber: 61234567 },
      { ...PHONE, purePhoneNumber: '6123-4567' },
      { ...PHONE, countryCode: 852 },
      { ...PHONE, countryCode: '+852' },
      { ...PHONE, countryCode: '85200' },
    ]
    for (const data of odd) {
      const error = await serverAnswering({ statusCode: 200, data })
        .server.bindPhoneNumber?.(SESSION, 'c')
        .catch((e: unknown) => e)
      expect(error, JSON.stringify(data)).toMatchObject({
        code: 'invalid_response',
        message: 'the developer server answered no { phoneNumber, purePhoneNumber, countryCode }',
      })
    }
  })

  it("names the call in the message of the server's refusal", async () => {
    const phone = serverAnswering({ statusCode: 503, data: { error: 'upstream_unavailable' } })
    await expect(phone.server.bindPhoneNumber?.(SESSION, 'c')).rejects.toMatchObject({
      message: 'phone number answered HTTP 503 (upstream_unavailable)',
    })
    const key = serverAnswering({ statusCode: 409, data: { error: 'session_key_stale' } })
    await expect(key.server.refreshSessionKey?.(SESSION, 'c')).rejects.toMatchObject({
      message: 'session_key refresh answered HTTP 409 (session_key_stale)',
    })
  })

  it("quotes only the contract's own error codes: any other error text is the server's and may hold a number", async () => {
    const phone = serverAnswering({ statusCode: 400, data: { error: 'phone 13800138000 already bound to user 42' } })
    const error = await phone.server.bindPhoneNumber?.(SESSION, 'c').catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(LoginError)
    expect(error).toMatchObject({ code: 'invalid_response', message: 'phone number answered HTTP 400' })
  })

  it('takes any 2xx from /auth/session-key as done, and anything outside 2xx as a failure', async () => {
    for (const statusCode of [200, 204, 299]) {
      await expect(
        serverAnswering({ statusCode, data: '' }).server.refreshSessionKey?.(SESSION, 'c'),
        String(statusCode),
      ).resolves.toBeUndefined()
    }
    for (const statusCode of [100, 199, 300, 304]) {
      await expect(
        serverAnswering({ statusCode, data: '' }).server.refreshSessionKey?.(SESSION, 'c'),
        String(statusCode),
      ).rejects.toMatchObject({
        code: 'invalid_response',
      })
    }
  })

  it('POSTs the fresh code to /auth/session-key and resolves on 204; maps 409 and 403', async () => {
    const { server, sent } = serverAnswering({ statusCode: 204, data: '' }, { tokenHeader: 'X-Session' })
    await expect(server.refreshSessionKey?.(SESSION, 'login-code')).resolves.toBeUndefined()
    expect(sent[0]).toMatchObject({
      url: 'https://api.example.com/auth/session-key',
      data: { code: 'login-code' },
      header: { 'X-Session': 'tok' },
    })
    expect(
      await failure(serverAnswering({ statusCode: 403, data: { error: 'user_mismatch' } }).server.refreshSessionKey?.(SESSION, 'c')),
    ).toBe('user_mismatch')
    expect(
      await failure(serverAnswering({ statusCode: 409, data: { error: 'session_key_stale' } }).server.refreshSessionKey?.(SESSION, 'c')),
    ).toBe('session_key_stale')
  })

  it('takes its paths from `paths`, like the login routes', async () => {
    const { server, sent } = serverAnswering({ statusCode: 200, data: PHONE }, { paths: { phone: '/v2/phone', sessionKey: '/v2/key' } })
    await server.bindPhoneNumber?.(SESSION, 'c')
    expect(sent[0]?.url).toBe('https://api.example.com/v2/phone')
  })
})
