import { describe, expect, it } from 'vitest'
import { createServer, createSqliteStore, withSecretRedaction } from '../../src/server/index.ts'
import { REDACTED_LOG_PATHS } from '../../src/server/logging.ts'
import { startTestWechat } from './helpers/server-fixture.ts'
import { captureLogs } from './helpers/log-capture.ts'
import { newUser } from './helpers/server-fixture.ts'
import { encryptData, randomIv, randomSessionKey } from './helpers/wechat-crypto.ts'

describe('logging', () => {
  it('never writes the AppSecret, session_key, tokens, Authorization or codes, even at trace level', async () => {
    const wechat = await startTestWechat({ secret: 'app-secret-MUST-NOT-LEAK-7f3a9c' })
    const logs = captureLogs()
    const app = await createServer({
      wechat: { appId: wechat.appId, secret: wechat.secret, apiBase: wechat.apiBase },
      store: createSqliteStore({ path: ':memory:', sweepIntervalMs: false }),
      logger: { level: 'trace', stream: logs.stream },
      rateLimit: { max: 100, timeWindow: 60_000 },
      code2SessionTimeoutMs: 200,
      code2SessionRetries: 1,
    })
    const misconfigured = await createServer({
      wechat: { appId: wechat.appId, secret: 'wrong-secret-MUST-NOT-LEAK-1b2c', apiBase: wechat.apiBase },
      store: createSqliteStore({ path: ':memory:', sweepIntervalMs: false }),
      logger: { level: 'trace', stream: logs.stream },
    })
    const secrets: string[] = [wechat.secret, 'wrong-secret-MUST-NOT-LEAK-1b2c']
    try {
      // A full, successful life cycle.
      const user = newUser(true)
      const code = await wechat.codeFor(user)
      secrets.push(user.sessionKey, code)
      const login = await app.inject({ method: 'POST', url: '/auth/login', payload: { code } })
      expect(login.statusCode).toBe(200)
      const { token } = login.json<{ token: string }>()
      secrets.push(token)
      const headers = { authorization: `Bearer ${token}` }
      expect((await app.inject({ method: 'POST', url: '/auth/session', headers })).statusCode).toBe(200)

      const iv = randomIv()
      const phone = '13800138000-PII-MARKER'
      const encryptedData = encryptData(user.sessionKey, { phoneNumber: phone, watermark: { appid: wechat.appId } }, iv)
      secrets.push(phone, encryptedData)
      const decrypted = await app.inject({ method: 'POST', url: '/auth/decrypt', headers, payload: { encryptedData, iv } })
      expect(decrypted.statusCode).toBe(200)
      // A failed decryption asks WeChat (checksession) whether the key is stale; the emulator says the key is current, so the
      // route refuses the data with 400, and that failure's log lines are searched too.
      const wrongKeyData = encryptData(randomSessionKey(), { watermark: { appid: wechat.appId } }, iv)
      expect(
        (await app.inject({ method: 'POST', url: '/auth/decrypt', headers, payload: { encryptedData: wrongKeyData, iv } })).statusCode,
      ).toBe(400)

      // Failures along the way.
      expect((await app.inject({ method: 'POST', url: '/auth/login', payload: { code } })).statusCode).toBe(401)
      const unknownCode = 'unknown-code-MUST-NOT-LEAK'
      secrets.push(unknownCode)
      expect((await app.inject({ method: 'POST', url: '/auth/login', payload: { code: unknownCode } })).statusCode).toBe(401)
      const busyCode = 'busy-code-MUST-NOT-LEAK'
      secrets.push(busyCode)
      wechat.failNext(2, -1)
      expect((await app.inject({ method: 'POST', url: '/auth/login', payload: { code: busyCode } })).statusCode).toBe(503)
      const hangingCode = 'hanging-code-MUST-NOT-LEAK'
      secrets.push(hangingCode)
      wechat.faultsOf('code2Session').holdNext(1)
      expect((await app.inject({ method: 'POST', url: '/auth/login', payload: { code: hangingCode } })).statusCode).toBe(503)
      const hugeCode = `huge-${'x'.repeat(200)}`
      secrets.push(hugeCode)
      expect((await app.inject({ method: 'POST', url: '/auth/login', payload: { code: hugeCode } })).statusCode).toBe(400)
      const queryCode = 'query-code-MUST-NOT-LEAK'
      secrets.push(queryCode)
      await app.inject({ method: 'POST', url: `/auth/login?code=${queryCode}`, payload: { code: 'x' } })
      const strangerToken = 'S'.repeat(43)
      secrets.push(strangerToken)
      expect(
        (await app.inject({ method: 'POST', url: '/auth/session', headers: { authorization: `Bearer ${strangerToken}` } })).statusCode,
      ).toBe(401)
      const misconfiguredCode = await wechat.codeFor(newUser())
      secrets.push(misconfiguredCode)
      expect((await misconfigured.inject({ method: 'POST', url: '/auth/login', payload: { code: misconfiguredCode } })).statusCode).toBe(
        500,
      )

      expect((await app.inject({ method: 'POST', url: '/auth/logout', headers })).statusCode).toBe(204)
      expect((await app.inject({ method: 'POST', url: '/auth/session', headers })).statusCode).toBe(401)
    } finally {
      await app.close()
      await misconfigured.close()
      await wechat.close()
    }

    const text = logs.text()
    // The capture works and saw the whole run: requests, outcomes, failures.
    expect(logs.lines.length).toBeGreaterThan(30)
    expect(text).toContain('incoming request')
    expect(text).toContain('login succeeded')
    expect(text).toContain('code2Session failed')
    expect(text).toContain('"errcode":40125')
    expect(text).toContain('request refused')
    for (const secret of secrets) expect(text, `log contains ${secret.slice(0, 12)}…`).not.toContain(secret)
    expect(text.toLowerCase()).not.toContain('bearer')
  })

  it('adds redaction to whatever logger options the caller gives, keeping theirs', () => {
    const options = withSecretRedaction({ level: 'debug', redact: ['req.headers["x-api-key"]'] })
    expect(options).toMatchObject({ level: 'debug' })
    const redact = (options as { redact: { paths: string[] } }).redact
    expect(redact.paths).toEqual(expect.arrayContaining([...REDACTED_LOG_PATHS, 'req.headers["x-api-key"]']))
    expect(withSecretRedaction(false)).toBe(false)
    expect(withSecretRedaction(undefined)).toBe(false)
    expect((withSecretRedaction(true) as { redact: { paths: string[] } }).redact.paths).toEqual(
      expect.arrayContaining(['req.headers.authorization']),
    )
  })

  it('redacts secrets even from a log call that includes them', async () => {
    const logs = captureLogs()
    const wechat = await startTestWechat()
    const app = await createServer({
      wechat: { appId: wechat.appId, secret: wechat.secret, apiBase: wechat.apiBase },
      store: createSqliteStore({ path: ':memory:', sweepIntervalMs: false }),
      logger: { level: 'trace', stream: logs.stream },
    })
    try {
      await app.ready()
      app.log.info(
        {
          token: 'tok-LEAK',
          sessionKey: 'sk-LEAK',
          secret: 'sec-LEAK',
          code: 'code-LEAK',
          body: { code: 'b-LEAK' },
          headers: { authorization: 'auth-LEAK' },
        },
        'careless',
      )
      app.log.info({ user: { token: 'nested-tok-LEAK', session_key: 'nested-sk-LEAK' } }, 'careless nested')
    } finally {
      await app.close()
      await wechat.close()
    }
    const text = logs.text()
    expect(text).toContain('careless')
    expect(text).toContain('[redacted]')
    expect(text).not.toMatch(/LEAK/)
  })
})
