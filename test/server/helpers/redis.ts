/** Real Redis at 127.0.0.1:6379, with a key prefix unique to this test run. */
import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'

export const REDIS_URL = process.env['MPL_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379'

export function uniquePrefix(label: string): string {
  return `mpl-test:${label}:${process.pid}:${randomUUID()}:`
}

/** Deletes every key under `prefix`. */
export async function deleteKeys(prefix: string): Promise<void> {
  const client = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 })
  try {
    let cursor = '0'
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500)
      cursor = next
      if (keys.length > 0) await client.del(...keys)
    } while (cursor !== '0')
  } finally {
    await client.quit()
  }
}

export async function countKeys(prefix: string): Promise<number> {
  const client = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 })
  try {
    let cursor = '0'
    let count = 0
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500)
      cursor = next
      count += keys.length
    } while (cursor !== '0')
    return count
  } finally {
    await client.quit()
  }
}
