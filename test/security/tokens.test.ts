/**
 * Session tokens are 256 random bits (base64url, 43 characters), unique, and
 * never stored: the SQLite rows (and the WAL file on disk) and the Redis keys
 * and values hold only SHA-256 hashes. Checked by reading the stores
 * directly, not through the store API.
 */
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import Database from 'better-sqlite3'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { WechatEmulator } from '../../src/emulator/index.ts'
import { createServer, createSqliteStore } from '../../src/server/index.ts'
import { createRedisStore } from '../../src/server/redis/index.ts'
import type { SessionStore } from '../../src/server/index.ts'
import { APP_ID, APP_SECRET, startEmulator, tempDir } from '../reliability/support/e2e-stack.ts'
import { deleteKeys, dumpKeys, REDIS_URL, uniquePrefix } from '../support/redis/index.ts'

const USERS = 100
const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex')

let emulator: WechatEmulator
const dir = tempDir('tokens')
const redisPrefix = uniquePrefix('tokens')

beforeAll(async () => {
  emulator = await startEmulator()
})
afterAll(async () => {
  await emulator.close()
  dir.cleanup()
  await deleteKeys(redisPrefix)
})

function serverOver(store: SessionStore): Promise<FastifyInstance> {
  return createServer({ wechat: { appId: APP_ID, secret: APP_SECRET, apiBase: emulator.url }, store, rateLimit: false })
}

async function loginMany(app: FastifyInstance, count: number, label: string): Promise<Array<{ token: string; openid: string }>> {
  const sessions: Array<{ token: string; openid: string }> = []
  for (let i = 0; i < count; i++) {
    const openid = `oTok-${label}-${i}`
    const response = await app.inject({ method: 'POST', url: '/auth/login', payload: { code: await emulator.issueCode(openid) } })
    expect(response.statusCode).toBe(200)
    sessions.push({ token: response.json<{ token: string }>().token, openid })
  }
  return sessions
}

/** Share of 1 bits over all tokens' bytes. */
function shareOfOnes(tokens: string[]): number {
  let ones = 0
  let bits = 0
  for (const token of tokens) {
    for (const byte of Buffer.from(token, 'base64url')) {
      for (let bit = 0; bit < 8; bit++) ones += (byte >> bit) & 1
      bits += 8
    }
  }
  return ones / bits
}

describe('session tokens', () => {
  it('are 256 random bits in canonical base64url, all different', async () => {
    const app = await serverOver(createSqliteStore({ path: ':memory:', sweepIntervalMs: false }))
    try {
      const tokens = (await loginMany(app, USERS, 'shape')).map((s) => s.token)
      for (const token of tokens) {
        expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/)
        const bytes = Buffer.from(token, 'base64url')
        expect(bytes.length).toBe(32)
        expect(bytes.toString('base64url')).toBe(token)
      }
      expect(new Set(tokens).size).toBe(tokens.length)
      // 100 × 256 bits: a fair source lands within ±0.02 of one half with overwhelming probability (> 7 σ).
      expect(Math.abs(shareOfOnes(tokens) - 0.5)).toBeLessThan(0.02)
      // No two tokens share a long prefix (a counter or timestamp would).
      const prefixes = new Set(tokens.map((t) => t.slice(0, 8)))
      expect(prefixes.size).toBe(tokens.length)
    } finally {
      await app.close()
    }
  })

  it('are stored only as SHA-256 hashes in SQLite (rows, every table, and the bytes on disk)', async () => {
    const file = dir.file('sessions.db')
    const app = await serverOver(createSqliteStore({ path: file, sweepIntervalMs: false }))
    let sessions: Array<{ token: string; openid: string }>
    try {
      sessions = await loginMany(app, 40, 'sqlite')
      // Read while the server still runs: the WAL holds the latest commits.
      const raw = Buffer.concat([readFileSync(file), existsSync(`${file}-wal`) ? readFileSync(`${file}-wal`) : Buffer.alloc(0)])
      for (const { token } of sessions) expect(raw.includes(token)).toBe(false)
    } finally {
      await app.close()
    }

    const db = new Database(file, { readonly: true })
    try {
      const rows = db.prepare('SELECT token_hash, openid FROM sessions').all() as Array<{ token_hash: string; openid: string }>
      expect(rows).toHaveLength(sessions.length)
      const byOpenid = new Map(rows.map((row) => [row.openid, row.token_hash]))
      for (const { token, openid } of sessions) expect(byOpenid.get(openid)).toBe(sha256(token))

      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>
      const everything = tables.map(({ name }) => JSON.stringify(db.prepare(`SELECT * FROM "${name}"`).all())).join('\n')
      for (const { token } of sessions) expect(everything.includes(token)).toBe(false)
    } finally {
      db.close()
    }
    const onDisk = readFileSync(file)
    for (const { token } of sessions) expect(onDisk.includes(token)).toBe(false)
  })

  it('are stored only as SHA-256 hashes in Redis (keys and values)', async () => {
    const app = await serverOver(createRedisStore({ url: REDIS_URL, keyPrefix: redisPrefix }))
    try {
      const sessions = await loginMany(app, 40, 'redis')
      const rows = await dumpKeys(redisPrefix)
      expect(rows.length).toBeGreaterThanOrEqual(sessions.length)
      const text = rows.map((row) => `${row.key} ${row.value}`).join('\n')
      for (const { token } of sessions) {
        expect(text.includes(token)).toBe(false)
        expect(rows.some((row) => row.key.endsWith(sha256(token)))).toBe(true)
      }
    } finally {
      await app.close()
    }
  })

  it('are not echoed by any route', async () => {
    const app = await serverOver(createSqliteStore({ path: ':memory:', sweepIntervalMs: false }))
    try {
      const [session] = await loginMany(app, 1, 'echo')
      if (!session) throw new Error('no session')
      const headers = { authorization: `Bearer ${session.token}` }
      for (const url of ['/auth/session', '/auth/logout']) {
        const response = await app.inject({ method: 'POST', url, headers })
        expect(response.body.includes(session.token)).toBe(false)
        expect(JSON.stringify(response.headers).includes(session.token)).toBe(false)
      }
    } finally {
      await app.close()
    }
  })
})
