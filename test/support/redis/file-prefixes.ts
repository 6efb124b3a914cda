/**
 * The run's standalone server and three-master Cluster as a test file sees
 * them: each file works under prefixes of its own (`prefix()`) and removes
 * what it wrote when it ends. Tests that must own a server (to pause it, or
 * to read its command statistics) start one with ./servers.ts instead.
 */
import { Cluster } from 'ioredis'
import { afterAll } from 'vitest'
import { REDIS_CLUSTER_NODES, REDIS_URL, removeAllUnder, uniquePrefix } from './keys.ts'

export interface StandaloneRedis {
  readonly url: string
  /** A key prefix of this file's own, whose keys are removed after its tests. */
  prefix(label: string): string
}

export interface ClusterRedis {
  readonly nodes: ReadonlyArray<{ host: string; port: number }>
  /** A key prefix of this file's own, whose keys (on every master) are removed after its tests. */
  prefix(label: string): string
}

/** Deletes every key under `prefix` on every master of the Cluster; fails when any is left. */
export async function removeAllUnderInCluster(prefix: string): Promise<void> {
  const cluster = new Cluster([...REDIS_CLUSTER_NODES], { redisOptions: { maxRetriesPerRequest: 1 } })
  try {
    await new Promise<void>((resolve, reject) => {
      cluster.once('ready', () => resolve())
      cluster.once('error', reject)
    })
    const left: string[] = []
    for (const node of cluster.nodes('master')) {
      const keys = await node.keys(`${prefix}*`)
      // One DEL per key (a DEL of several keys must stay in one slot), sent as one pipeline per master.
      for (let i = 0; i < keys.length; i += 1000) {
        const batch = node.pipeline()
        for (const key of keys.slice(i, i + 1000)) batch.del(key)
        await batch.exec()
      }
      left.push(...(await node.keys(`${prefix}*`)))
    }
    if (left.length > 0) throw new Error(`${left.length} Redis Cluster keys under ${prefix} survived the clean-up`)
  } finally {
    cluster.disconnect()
  }
}

/** Prefixes handed out to one test file, each removed with `remove` once the file's tests are over. */
function filePrefixes(remove: (prefix: string) => Promise<void>): (label: string) => string {
  const prefixes: string[] = []
  afterAll(async () => {
    for (const prefix of prefixes) await remove(prefix)
  })
  return (label) => {
    const prefix = uniquePrefix(label)
    prefixes.push(prefix)
    return prefix
  }
}

/** Call at the top of a test file: the run's standalone Redis. */
export function useStandaloneRedis(): StandaloneRedis {
  return { url: REDIS_URL, prefix: filePrefixes(removeAllUnder) }
}

/** Call at the top of a test file: the run's Redis Cluster of three masters. */
export function useRedisCluster(): ClusterRedis {
  return { nodes: REDIS_CLUSTER_NODES, prefix: filePrefixes(removeAllUnderInCluster) }
}
