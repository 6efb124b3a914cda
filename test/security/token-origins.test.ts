/**
 * KNOWN GAP (noticed while mapping OWASP's cookie Domain/Path advice, docs/security.md).
 *
 * `client.request()` adds the session token to whatever URL it is given: a
 * relative URL is resolved against `apiBaseUrl`, but an absolute URL to any
 * other host passes through and gets `Authorization: Bearer <token>` too
 * (src/client/authenticated-request.ts, `send`; src/session-server/http-session-server.ts,
 * `resolveUrl`). An app that uses `request()` for a third-party API hands
 * that third party a working session token.
 *
 * Expected: the token goes only to the developer server's origin (or an
 * explicit allow-list); requests elsewhere are sent without it or refused
 * with a typed `invalid_request`.
 */
import { describe, expect, it } from 'vitest'
import { createLoginClient } from '../../src/client/index.ts'
import { createFakeServices, HOLD_EVERY_ANSWER } from '../support/services/index.ts'

describe('request() to another origin', () => {
  it('does not carry the session token', async () => {
    const services = createFakeServices(HOLD_EVERY_ANSWER)
    services.beHealthy()
    const client = createLoginClient({ platform: services.platform, server: services.server, apiBaseUrl: 'https://api.example.com' })
    try {
      await client.ensureLogin()
      await client.request({ url: 'https://third-party.example.net/collect' }).catch(() => undefined)
      expect(services.requestTokens).toEqual([])
    } finally {
      client.stop()
    }
  })
})
