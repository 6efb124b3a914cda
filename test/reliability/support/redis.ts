/** The real Redis on 127.0.0.1:6379, under a key prefix of this run only. */
import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'

export const REDIS_URL = process.env['MPL_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379'
export const REDIS_PORT = Number(new URL(REDIS_URL).port || 6379)

export function runPrefix(label: string): string {
  return `mpl-reliability:${label}:${randomUUID()}:`
}

/** Every key under `prefix`, with its value when it is a string (sets are listed by member). */
export async function dumpKeys(prefix: string): Promise<Array<{ key: string; value: string }>> {
  const client = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 })
  try {
    const rows: Array<{ key: string; value: string }> = []
    let cursor = '0'
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500)
      cursor = next
      for (const key of keys) {
        const type = await client.type(key)
        const value = type === 'string' ? ((await client.get(key)) ?? '') : type === 'set' ? (await client.smembers(key)).join(' ') : ''
        rows.push({ key, value })
      }
    } while (cursor !== '0')
    return rows
  } finally {
    await client.quit()
  }
}

export async function deleteKeys(prefix: string): Promise<void> {
  const client = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 })
  try {
    let cursor = '0'
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)
      cursor = next
      if (keys.length > 0) await client.del(...keys)
    } while (cursor !== '0')
  } finally {
    await client.quit()
  }
}
