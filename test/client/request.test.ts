import { describe, expect, it } from 'vitest'
import { createLoginClient, LoginError } from '../../src/index.ts'
import type { PlatformRequestOptions } from '../../src/index.ts'
import { loginRejection } from '../support/rejection.ts'
import { createFakeServices } from '../support/services/index.ts'

const API = 'https://api.example.com'

/** A resource server that accepts only the token it was told is current. */
function acceptOnly(current: () => string | undefined) {
  return async (options: PlatformRequestOptions) => {
    const auth = options.header?.Authorization
    return auth === `Bearer ${current()}`
      ? { statusCode: 200, data: { url: options.url, auth } }
      : { statusCode: 401, data: { error: 'session_expired' } }
  }
}

describe('request(): authenticated requests', () => {
  it('adds the token header and resolves relative URLs against the server base URL', async () => {
    const services = createFakeServices()
    const client = createLoginClient({
      platform: services.platform,
      server: { baseUrl: 'https://api.example.com/' },
    })
    services.answers.request = async (options) => {
      if (options.url.endsWith('/auth/login')) return { statusCode: 200, data: { token: 'tok', expiresAt: Date.now() + 60_000 } }
      return { statusCode: 200, data: { seen: options.header?.Authorization, url: options.url } }
    }
    const response = await client.request({ url: '/api/orders', method: 'GET' })
    expect(response.data).toEqual({ seen: 'Bearer tok', url: 'https://api.example.com/api/orders' })
    client.stop()
  })

  it('sends one token header: an app header of the same name in another case is replaced, not sent beside it', async () => {
    const services = createFakeServices()
    const client = createLoginClient({ platform: services.platform, server: services.server, apiBaseUrl: API })
    const seen: Record<string, string>[] = []
    services.answers.request = async (options) => {
      seen.push(options.header ?? {})
      return { statusCode: 200, data: {} }
    }
    await client.request({ url: `${API}/orders`, header: { authorization: 'Bearer left-over', 'X-Trace': '1' } })
    const sent = seen[0] ?? {}
    expect(Object.keys(sent).filter((name) => name.toLowerCase() === 'authorization')).toEqual(['Authorization'])
    expect(sent).toMatchObject({ Authorization: 'Bearer token-1', 'X-Trace': '1' })
    client.stop()
  })

  it('10 concurrent requests that all get a 401 cause one re-login, and each is replayed once', async () => {
    const services = createFakeServices()
    const client = createLoginClient({ platform: services.platform, server: services.server, apiBaseUrl: API })
    await client.ensureLogin()
    let current: string | undefined = 'nobody'
    services.answers.request = acceptOnly(() => current)
    const original = services.answers.serverLogin
    services.answers.serverLogin = async (code) => {
      const session = await original(code)
      current = session.token
      return session
    }

    const responses = await Promise.all(Array.from({ length: 10 }, (_, i) => client.request({ url: `https://api.example.com/r/${i}` })))
    expect(responses.map((r) => r.statusCode)).toEqual(Array(10).fill(200))
    expect(services.count('wxLogin')).toBe(2)
    expect(services.count('serverLogin')).toBe(2)
    expect(services.count('request')).toBe(20)
    client.stop()
  })

  it('rejects with unauthorized when the replay gets a 401 too, after exactly one re-login', async () => {
    const services = createFakeServices({ answers: { request: async () => ({ statusCode: 401, data: {} }) } })
    const client = createLoginClient({ platform: services.platform, server: services.server, apiBaseUrl: API })
    const error = await client.request({ url: 'https://api.example.com/x' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(LoginError)
    expect((error as LoginError).code).toBe('unauthorized')
    expect(services.count('serverLogin')).toBe(2)
    expect(services.count('request')).toBe(2)
    client.stop()
  })

  it('hands back other statuses as they are', async () => {
    const services = createFakeServices({ answers: { request: async () => ({ statusCode: 503, data: 'busy' }) } })
    const client = createLoginClient({ platform: services.platform, server: services.server, apiBaseUrl: API })
    await expect(client.request({ url: 'https://api.example.com/x' })).resolves.toMatchObject({ statusCode: 503, data: 'busy' })
    client.stop()
  })

  it('rejects with a LoginError when the network fails', async () => {
    const services = createFakeServices({ answers: { request: () => Promise.reject(new Error('request:fail socket closed')) } })
    const client = createLoginClient({ platform: services.platform, server: services.server, apiBaseUrl: API })
    await expect(client.request({ url: 'https://api.example.com/x' })).rejects.toMatchObject({ code: 'network' })
    client.stop()
  })

  it('uses a custom token header without the Bearer prefix', async () => {
    const services = createFakeServices()
    const client = createLoginClient({ platform: services.platform, server: services.server, tokenHeader: 'sessionKey', apiBaseUrl: API })
    const session = await client.ensureLogin()
    await client.request({ url: 'https://api.example.com/x' })
    expect(services.requests.at(-1)?.header).toEqual({ sessionKey: session.token })
    client.stop()
  })

  it('sends the token only to the developer server and trusted origins; anything else is refused before any request', async () => {
    const services = createFakeServices()
    const client = createLoginClient({
      platform: services.platform,
      server: services.server,
      apiBaseUrl: 'https://api.example.com/v1',
      trustedOrigins: ['https://files.example.com:8443'],
    })
    await expect(client.request({ url: 'https://API.example.com:443/v1/me' })).resolves.toMatchObject({ statusCode: 200 })
    await expect(client.request({ url: 'https://files.example.com:8443/upload' })).resolves.toMatchObject({ statusCode: 200 })
    for (const url of [
      'https://evil.example.net/collect',
      'http://api.example.com/me',
      'https://api.example.com.evil.net/',
      'https://files.example.com/x',
      'ftp://api.example.com/',
    ]) {
      await expect(client.request({ url }), url).rejects.toMatchObject({ code: 'invalid_request' })
    }
    expect(services.requests.map((r) => r.url)).toEqual(['https://API.example.com:443/v1/me', 'https://files.example.com:8443/upload'])
    client.stop()
  })

  it('refuses a relative URL when there is no base to resolve it against, without logging in', async () => {
    const services = createFakeServices()
    const client = createLoginClient({ platform: services.platform, server: services.server })
    await expect(client.request({ url: '/api/me' })).rejects.toMatchObject({ code: 'invalid_request' })
    expect(services.count('wxLogin')).toBe(0)
    client.stop()
  })
  it('refuses a call without options or without a string url (plain JS) with invalid_request, before any login', async () => {
    const services = createFakeServices()
    const client = createLoginClient({ platform: services.platform, server: services.server, apiBaseUrl: API })
    const request = client.request as (options: unknown) => Promise<unknown>
    for (const options of [undefined, null, {}, { url: 5 }]) {
      const error = await request(options).catch((caught: unknown) => caught)
      expect(error).toBeInstanceOf(LoginError)
      expect(error).toMatchObject({ code: 'invalid_request' })
    }
    expect(services.count('wxLogin')).toBe(0)
    client.stop()
  })

  it('a refusal names the origin as trustedOrigins must list it: the port kept unless it is the default one', async () => {
    const services = createFakeServices()
    const client = createLoginClient({ platform: services.platform, server: services.server, apiBaseUrl: API })
    const refusedAs = async (url: string) => {
      const error = await loginRejection(client.request({ url }))
      expect(error.code, url).toBe('invalid_request')
      return error.message.replace(/^request\(\): refusing to send the session token to (\S+); .*$/, '$1')
    }
    expect(await refusedAs('http://api.example.com:8080/x')).toBe('http://api.example.com:8080')
    expect(await refusedAs('http://api.example.com:80/x')).toBe('http://api.example.com')
    expect(await refusedAs('https://api.example.com:8443/x')).toBe('https://api.example.com:8443')
    expect(services.count('request')).toBe(0)
    client.stop()
  })

  it('is not replayed when a logout comes the moment the re-login succeeds, and says so', async () => {
    const services = createFakeServices({ answers: { request: async () => ({ statusCode: 401, data: {} }) } })
    const client = createLoginClient({ platform: services.platform, server: services.server, apiBaseUrl: API })
    const first = await client.ensureLogin()
    let loggedOut = false
    client.subscribe((snapshot) => {
      const token = snapshot.context.session?.token
      if (loggedOut || !snapshot.matches('authenticated') || token === first.token) return
      loggedOut = true
      void client.logout()
    })
    const error = await loginRejection(client.request({ url: `${API}/orders` }))
    expect([error.code, error.message]).toEqual(['aborted', `GET ${API}/orders (the replay): logged out or stopped before it was sent`])
    expect(services.count('serverLogin')).toBe(2)
    expect(services.requests).toHaveLength(1)
    client.stop()
  })
})
