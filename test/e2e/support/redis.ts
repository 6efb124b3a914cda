/** Real Redis on 127.0.0.1:6379, under a key prefix unique to one test, removed afterwards. */
import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import { deferCleanup } from './cleanup.ts'

export const REDIS_URL = process.env['MPL_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379'

async function scanKeys(client: Redis, prefix: string): Promise<string[]> {
  const found: string[] = []
  let cursor = '0'
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500)
    cursor = next
    found.push(...keys)
  } while (cursor !== '0')
  return found
}

/** The keys under `prefix` right now. */
export async function keysUnder(prefix: string): Promise<string[]> {
  const client = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 })
  try {
    return await scanKeys(client, prefix)
  } finally {
    await client.quit()
  }
}

/** A fresh key prefix; every key under it is deleted after the test (registered now, so it runs after the servers close). */
export function redisPrefixForTest(label: string): string {
  const prefix = `mpl-e2e:${label}:${process.pid}:${randomUUID()}:`
  deferCleanup(async () => {
    const client = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 })
    try {
      const keys = await scanKeys(client, prefix)
      if (keys.length > 0) await client.del(...keys)
      const left = await scanKeys(client, prefix)
      if (left.length > 0) throw new Error(`${left.length} Redis keys under ${prefix} survived the clean-up`)
    } finally {
      await client.quit()
    }
  })
  return prefix
}
