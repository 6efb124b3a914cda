/**
 * Regression (review finding 1): at `trace` level, Fastify's default
 * client-error handler logged `err.rawPacket`, the raw bytes of a request
 * Node's HTTP parser refused, so a token or a login code sent in a malformed
 * request could be decoded from the log. No level may log them.
 */
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServer, createSqliteStore } from '../../src/server/index.ts'
import { startTestWechat } from '../server/helpers/server-fixture.ts'
import type { TestWechat } from '../server/helpers/server-fixture.ts'
import { captureLogs } from '../server/helpers/log-capture.ts'
import { sendRaw } from '../server/helpers/raw-http.ts'

const TOKEN = 'RawPacketToken0000000000000000000000000001'.slice(0, 43)
const CODE = 'raw-packet-login-code-NEVER-LOG-0001'

let wechat: TestWechat
let app: FastifyInstance
let port: number
const logs = captureLogs()

beforeAll(async () => {
  wechat = await startTestWechat()
  app = await createServer({
    wechat: { appId: wechat.appId, secret: wechat.secret, apiBase: wechat.apiBase },
    store: createSqliteStore({ path: ':memory:', sweepIntervalMs: false }),
    logger: { level: 'trace', stream: logs.stream },
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  port = (app.server.address() as { port: number }).port
})

afterAll(async () => {
  await app.close()
  await wechat.close()
})

/** Every string in the log, Buffers (`{ type: 'Buffer', data }`) decoded, so bytes logged as numbers are found too. */
function decodedLog(): string {
  const parts: string[] = []
  const walk = (value: unknown): void => {
    if (typeof value === 'string') parts.push(value)
    else if (Array.isArray(value)) value.forEach(walk)
    else if (typeof value === 'object' && value !== null) {
      const record = value as Record<string, unknown>
      if (record['type'] === 'Buffer' && Array.isArray(record['data']))
        parts.push(Buffer.from(record['data'] as number[]).toString('latin1'))
      for (const [key, inner] of Object.entries(record)) {
        parts.push(key)
        walk(inner)
      }
    }
  }
  for (const line of logs.lines) walk(JSON.parse(line))
  return parts.join('\n')
}

describe('requests the HTTP parser refuses', () => {
  it('never put their raw bytes in the log, at trace level', async () => {
    const malformed = [
      // A content-length that is not a number.
      `POST /auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Length: nope\r\n\r\n{"code":"${CODE}"}`,
      // Two different content-lengths.
      `POST /auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Length: 5\r\nContent-Length: 9\r\n\r\n{"code":"${CODE}"}`,
      // Headers larger than Node accepts (431).
      `POST /auth/session HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\nX-Filler: ${'f'.repeat(20_000)}\r\n\r\n`,
      // A broken request line after the secrets were sent.
      `POST /auth/login HTTP/1.1\r\nAuthorization: Bearer ${TOKEN}\r\nX-Code: ${CODE}\r\n\u0001\r\n\r\n`,
    ]
    for (const request of malformed) {
      const answer = await sendRaw(port, request)
      expect(answer.status).toBeGreaterThanOrEqual(400)
    }
    // Each refusal is logged (so the test looks at real lines), without the packet.
    expect(logs.lines.length).toBeGreaterThan(0)
    const text = decodedLog()
    expect(text).not.toContain('rawPacket')
    expect(text).not.toContain(TOKEN)
    expect(text).not.toContain(CODE)
  })
})
