/**
 * Where the run's standalone server and Cluster are (handed over by the global
 * set-up), and helpers that read, count and delete keys under a test's prefix.
 */
import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import { inject } from 'vitest'

/** `redis://127.0.0.1:<port>` of the run's standalone Redis. */
export const REDIS_URL: string = inject('redisUrl')
export const REDIS_PORT = Number(new URL(REDIS_URL).port)
export const REDIS_HOST = new URL(REDIS_URL).hostname
/** The masters of the run's Redis Cluster. */
export const REDIS_CLUSTER_NODES = inject('redisClusterNodes')

/** A key prefix no other test and no other run uses. */
export function uniquePrefix(label: string): string {
  return `mpl-test:${label}:${process.pid}:${randomUUID()}:`
}

async function withClient<T>(work: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 })
  try {
    return await work(client)
  } finally {
    await client.quit()
  }
}

async function scan(client: Redis, prefix: string): Promise<string[]> {
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
export function keysUnder(prefix: string): Promise<string[]> {
  return withClient((client) => scan(client, prefix))
}

export async function countKeys(prefix: string): Promise<number> {
  return (await keysUnder(prefix)).length
}

/** Every key under `prefix`, with its value when it is a string (sets and sorted sets listed by member). */
export function dumpKeys(prefix: string): Promise<Array<{ key: string; value: string }>> {
  return withClient(async (client) => {
    const rows: Array<{ key: string; value: string }> = []
    for (const key of await scan(client, prefix)) {
      const type = await client.type(key)
      const value =
        type === 'string'
          ? ((await client.get(key)) ?? '')
          : type === 'set'
            ? (await client.smembers(key)).join(' ')
            : type === 'zset'
              ? (await client.zrange(key, 0, -1)).join(' ')
              : type === 'hash'
                ? JSON.stringify(await client.hgetall(key))
                : ''
      rows.push({ key, value })
    }
    return rows
  })
}

/** Deletes every key under `prefix`; resolves with how many there were. */
export function deleteKeys(prefix: string): Promise<number> {
  return withClient(async (client) => {
    const keys = await scan(client, prefix)
    for (let i = 0; i < keys.length; i += 500) await client.del(...keys.slice(i, i + 500))
    return keys.length
  })
}

/** Deletes what is under `prefix` and fails when anything is left: nothing a test wrote may outlive it. */
export async function removeAllUnder(prefix: string): Promise<void> {
  await deleteKeys(prefix)
  const left = await keysUnder(prefix)
  if (left.length > 0) throw new Error(`${left.length} Redis keys under ${prefix} survived the clean-up`)
}
