/**
 * session_key encrypted at rest: with `encryption` (a SecretBox), neither
 * store holds a usable session_key or a token, in any key, value, row or
 * file. Keys rotate (the current one seals, every listed one opens); a value
 * moved onto another session does not open; without a key the stores refuse
 * to start under NODE_ENV=production unless told `encryption: false`.
 */
import Database from 'better-sqlite3'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import { createSecretBox, createSqliteStore, generateSecretBoxKey } from '../../src/server/index.ts'
import { generateSessionToken, hashSessionToken } from '../../src/server/tokens.ts'
import type { SecretBox, SessionRecord } from '../../src/server/index.ts'
import { createRedisStore } from '../../src/server/redis/index.ts'
import { useStandaloneRedis } from '../support/redis/index.ts'

const redis = useStandaloneRedis()
const dir = mkdtempSync(join(tmpdir(), 'mpl-at-rest-'))

afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

const K1 = generateSecretBoxKey()
const K2 = generateSecretBoxKey()
const boxV1 = createSecretBox({ keys: [{ id: 'k1', key: K1 }] })
const boxV2 = createSecretBox({
  keys: [
    { id: 'k2', key: K2 },
    { id: 'k1', key: K1 },
  ],
})
const otherDeployment = createSecretBox({ keys: [{ id: 'k1', key: generateSecretBoxKey() }] })

let counter = 0
function session(): { token: string; record: SessionRecord } {
  counter += 1
  const token = generateSessionToken()
  const now = Date.now()
  return {
    token,
    record: {
      tokenHash: hashSessionToken(token),
      openid: `o-at-rest-${counter}`,
      sessionKey: randomBytes(16).toString('base64'),
      expiresAt: now + 600_000,
      createdAt: now,
    },
  }
}

/** A distinct Chinese mobile number per n. */
function phoneOf(n: number): { phoneNumber: string; purePhoneNumber: string; countryCode: string } {
  const pure = `139${String(40_000_000 + n * 7919).padStart(8, '0')}`
  return { phoneNumber: pure, purePhoneNumber: pure, countryCode: '86' }
}

/** The forms a leaked secret could take in a dump: base64, hex and the raw bytes. */
function expectAbsent(haystack: Buffer, secret: string, rawBytes?: Buffer): void {
  expect(haystack.includes(Buffer.from(secret))).toBe(false)
  if (rawBytes !== undefined) {
    expect(haystack.includes(rawBytes)).toBe(false)
    expect(haystack.includes(Buffer.from(rawBytes.toString('hex')))).toBe(false)
  }
}

function withNodeEnv(value: string, work: () => void): void {
  const before = process.env['NODE_ENV']
  process.env['NODE_ENV'] = value
  try {
    work()
  } finally {
    if (before === undefined) delete process.env['NODE_ENV']
    else process.env['NODE_ENV'] = before
  }
}

describe('SQLite with encryption', () => {
  it('keeps neither a session_key, a token, a phone number nor the access_token in the database or WAL files', async () => {
    const path = join(dir, 'sealed.db')
    const store = createSqliteStore({ path, sweepIntervalMs: false, encryption: boxV1 })
    const sessions = Array.from({ length: 20 }, session)
    const accessToken = `at-${randomBytes(40).toString('hex')}`
    try {
      for (const { record } of sessions) await store.create(record)
      for (const { record } of sessions) expect(await store.get(record.tokenHash)).toEqual(record)
      for (const [n, { record }] of sessions.entries()) await store.users.bindPhoneNumber(record.openid, phoneOf(n), Date.now())
      await store.wechatTokenCache.compareAndSet('wxatrest0000000001', undefined, { accessToken, expiresAt: Date.now() + 60_000 })
      expect((await store.wechatTokenCache.get('wxatrest0000000001'))?.accessToken).toBe(accessToken)
      const files = Buffer.concat([readFileSync(path), readFileSync(`${path}-wal`)])
      for (const [n, { token, record }] of sessions.entries()) {
        expectAbsent(files, record.sessionKey, Buffer.from(record.sessionKey, 'base64'))
        expectAbsent(files, token)
        expectAbsent(files, phoneOf(n).purePhoneNumber)
      }
      expectAbsent(files, accessToken)
      const db = new Database(path, { readonly: true })
      const users = db.prepare('SELECT session_key, phone FROM users').all() as Array<{ session_key: string; phone: string }>
      const own = db.prepare('SELECT session_key FROM sessions').all() as Array<{ session_key: string }>
      const tokens = db.prepare('SELECT token FROM wechat_tokens').all() as Array<{ token: string }>
      db.close()
      expect(users).toHaveLength(20)
      expect(users.every((row) => row.session_key.startsWith('v1.k1.') && row.phone.startsWith('v1.k1.'))).toBe(true)
      // The sessions themselves hold no session_key at all: the user's row has the newest.
      expect(own.every((row) => row.session_key === '')).toBe(true)
      expect(tokens.map((row) => row.token.slice(0, 6))).toEqual(['v1.k1.'])
    } finally {
      await store.close()
    }
  })

  it("reads after a rotation, seals under the new key, and another deployment's key reads nothing", async () => {
    const path = join(dir, 'rotation.db')
    const before = session()
    const first = createSqliteStore({ path, sweepIntervalMs: false, encryption: boxV1 })
    await first.create(before.record)
    await first.close()

    const rotated = createSqliteStore({ path, sweepIntervalMs: false, encryption: boxV2 })
    const after = session()
    try {
      expect(await rotated.get(before.record.tokenHash)).toEqual(before.record)
      await rotated.create(after.record)
      expect(await rotated.get(after.record.tokenHash)).toEqual(after.record)
    } finally {
      await rotated.close()
    }
    const db = new Database(path, { readonly: true })
    const row = db.prepare('SELECT session_key FROM users WHERE openid = ?').get(after.record.openid) as { session_key: string }
    db.close()
    expect(row.session_key.startsWith('v1.k2.')).toBe(true)

    for (const encryption of [otherDeployment, false as const]) {
      const stranger = createSqliteStore({ path, sweepIntervalMs: false, encryption })
      try {
        expect(await stranger.get(before.record.tokenHash)).toBeUndefined()
      } finally {
        await stranger.close()
      }
    }
  })

  it('a sealed session_key moved onto another user does not open there', async () => {
    const path = join(dir, 'moved.db')
    const store = createSqliteStore({ path, sweepIntervalMs: false, encryption: boxV1 })
    const victim = session()
    const attacker = session()
    try {
      await store.create(victim.record)
      await store.create(attacker.record)
      const db = new Database(path)
      db.prepare('UPDATE users SET session_key = (SELECT session_key FROM users WHERE openid = ?) WHERE openid = ?').run(
        victim.record.openid,
        attacker.record.openid,
      )
      db.close()
      expect(await store.get(attacker.record.tokenHash)).toBeUndefined()
      expect(await store.get(victim.record.tokenHash)).toEqual(victim.record)
    } finally {
      await store.close()
    }
  })
})

describe('Redis with encryption', () => {
  async function dump(keyPrefix: string): Promise<Buffer> {
    const probe = new Redis(redis.url)
    try {
      const keys = await probe.keys(`${keyPrefix}*`)
      const parts: string[] = [...keys]
      for (const key of keys) {
        const type = await probe.type(key)
        if (type === 'string') parts.push((await probe.get(key)) ?? '')
        else if (type === 'zset') parts.push(...(await probe.zrange(key, 0, -1)))
        else if (type === 'hash') parts.push(JSON.stringify(await probe.hgetall(key)))
      }
      return Buffer.from(parts.join('\n'))
    } finally {
      await probe.quit()
    }
  }

  it('keeps neither a session_key nor a token in any key or value, and reads across a rotation', async () => {
    const keyPrefix = redis.prefix('at-rest')
    const sealedV1 = createRedisStore({ url: redis.url, keyPrefix, encryption: boxV1 })
    const sealedV2 = createRedisStore({ url: redis.url, keyPrefix, encryption: boxV2 })
    const stranger = createRedisStore({ url: redis.url, keyPrefix, encryption: otherDeployment })
    const plain = createRedisStore({ url: redis.url, keyPrefix, encryption: false })
    try {
      const sessions = Array.from({ length: 10 }, session)
      for (const { record } of sessions) await sealedV1.create(record)
      for (const [n, { record }] of sessions.entries()) await sealedV1.users.bindPhoneNumber(record.openid, phoneOf(n), Date.now())
      const accessToken = `at-${randomBytes(40).toString('hex')}`
      await sealedV1.wechatTokenCache.compareAndSet('wxatrest0000000002', undefined, { accessToken, expiresAt: Date.now() + 60_000 })
      const text = await dump(keyPrefix)
      expect(text.includes(Buffer.from('"phone":"v1.k1.'))).toBe(true)
      expectAbsent(text, accessToken)
      expect((await sealedV2.wechatTokenCache.get('wxatrest0000000002'))?.accessToken).toBe(accessToken)
      expect(await stranger.wechatTokenCache.get('wxatrest0000000002')).toBeUndefined()
      for (const [n, { token, record }] of sessions.entries()) {
        expectAbsent(text, record.sessionKey, Buffer.from(record.sessionKey, 'base64'))
        expectAbsent(text, token)
        expectAbsent(text, phoneOf(n).purePhoneNumber)
        expect((await sealedV2.users.get(record.openid))?.phone).toEqual(phoneOf(n))
        expect((await stranger.users.get(record.openid))?.phone).toBeUndefined()
        expect(await sealedV2.get(record.tokenHash)).toEqual(record)
        expect(await stranger.get(record.tokenHash)).toBeUndefined()
        expect(await plain.get(record.tokenHash)).toBeUndefined()
      }
    } finally {
      for (const store of [sealedV1, sealedV2, stranger, plain]) await store.close()
    }
  })
})

describe('without an encryption key', () => {
  it('refuses to open either store under NODE_ENV=production, unless told encryption: false', () => {
    withNodeEnv('production', () => {
      expect(() => createSqliteStore({ path: ':memory:', sweepIntervalMs: false })).toThrow(/encryption/)
      expect(() => createRedisStore({ url: 'redis://127.0.0.1:1' })).toThrow(/encryption/)
      const plain = createSqliteStore({ path: ':memory:', sweepIntervalMs: false, encryption: false })
      void plain.close()
      const sealed = createSqliteStore({ path: ':memory:', sweepIntervalMs: false, encryption: boxV1 as SecretBox })
      void sealed.close()
    })
  })

  it('a plaintext store does not read sealed sessions, nor a sealed store plaintext ones', async () => {
    const path = join(dir, 'mixed.db')
    const plainSession = session()
    const plain = createSqliteStore({ path, sweepIntervalMs: false })
    await plain.create(plainSession.record)
    await plain.close()
    const sealed = createSqliteStore({ path, sweepIntervalMs: false, encryption: boxV1 })
    try {
      expect(await sealed.get(plainSession.record.tokenHash)).toBeUndefined()
    } finally {
      await sealed.close()
    }
  })
})
