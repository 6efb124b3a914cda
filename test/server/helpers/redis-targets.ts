/**
 * The one place the server tests get their Redis from: a standalone server
 * and a three-master Cluster, each started for the test file that asks
 * (before its tests, stopped after them). When the project's harness
 * (test/support/redis) provides them, only this file changes.
 */
import { afterAll, beforeAll } from 'vitest'
import { startRedisCluster, startRedisServer } from './redis-servers.ts'
import type { RedisClusterProcesses, RedisProcess } from './redis-servers.ts'

export interface StandaloneRedis {
  readonly url: string
}

export interface ClusterRedis {
  readonly nodes: ReadonlyArray<{ host: string; port: number }>
}

/** Call at the top of a test file: a standalone Redis for its tests. */
export function useStandaloneRedis(): StandaloneRedis {
  let server: RedisProcess | undefined
  beforeAll(async () => {
    server = await startRedisServer()
  })
  afterAll(async () => {
    await server?.stop()
  })
  return {
    get url() {
      if (server === undefined) throw new Error('the standalone Redis is not started yet (use it inside a test)')
      return server.url
    },
  }
}

/** Call at the top of a test file: a Redis Cluster of three masters for its tests. */
export function useRedisCluster(): ClusterRedis {
  let cluster: RedisClusterProcesses | undefined
  beforeAll(async () => {
    cluster = await startRedisCluster(3)
  }, 60_000)
  afterAll(async () => {
    await cluster?.stop()
  })
  return {
    get nodes() {
      if (cluster === undefined) throw new Error('the Redis Cluster is not started yet (use it inside a test)')
      return cluster.nodes
    },
  }
}
