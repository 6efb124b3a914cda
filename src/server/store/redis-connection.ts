/**
 * The connections the Redis store opens itself, set up to fail fast: no
 * offline queue (while Redis is unreachable a command fails at once and the
 * route answers 503), one retry of a command caught by a dropped connection,
 * a per-command timeout, and reconnection in the background.
 */
import { Cluster, Redis } from 'ioredis'
import type { ClusterNode } from 'ioredis'

export type RedisConnection = Redis | Cluster

export interface ConnectionSettings {
  connectTimeoutMs: number
  commandTimeoutMs: number
}

const reconnectDelay = (attempt: number): number => Math.min(attempt * 100, 2000)

// Failures surface through the commands that hit them; without a listener
// ioredis would also print every reconnection error to the console.
const ignore = (): void => {}

export function connectToUrl(url: string, settings: ConnectionSettings): Redis {
  const client = new Redis(url, {
    connectTimeout: settings.connectTimeoutMs,
    commandTimeout: settings.commandTimeoutMs,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: reconnectDelay,
  })
  client.on('error', ignore)
  return client
}

export function connectToCluster(nodes: ReadonlyArray<ClusterNode>, settings: ConnectionSettings): Cluster {
  const cluster = new Cluster([...nodes], {
    enableOfflineQueue: false,
    clusterRetryStrategy: reconnectDelay,
    // A MOVED or ASK answer (a slot moving during resharding or failover) is followed a few times, then the command fails.
    maxRedirections: 8,
    redisOptions: {
      connectTimeout: settings.connectTimeoutMs,
      commandTimeout: settings.commandTimeoutMs,
      maxRetriesPerRequest: 1,
    },
  })
  cluster.on('error', ignore)
  cluster.on('node error', ignore)
  return cluster
}

export function isConnection(value: unknown): value is RedisConnection {
  return value instanceof Redis || value instanceof Cluster
}

/** A Redis Cluster, whose keys live in slots spread over its nodes (a script may only touch one slot). */
export function isCluster(connection: RedisConnection): connection is Cluster {
  return connection instanceof Cluster
}

/** The key prefix ioredis itself adds to every key it is given (`keyPrefix` option), or ''. */
export function clientKeyPrefix(connection: RedisConnection): string {
  const prefix = (connection.options as { keyPrefix?: unknown }).keyPrefix
  return typeof prefix === 'string' ? prefix : ''
}

/**
 * While the first connection is being set up, waits for it to succeed or
 * fail, so commands issued right after start-up are not refused for want of
 * an offline queue. In any other state it returns at once.
 */
export function settledConnection(connection: RedisConnection): Promise<void> {
  if (connection.status !== 'connecting' && connection.status !== 'connect') return Promise.resolve()
  return new Promise((resolve) => {
    const settle = (): void => {
      connection.off('ready', settle)
      connection.off('error', settle)
      connection.off('close', settle)
      connection.off('end', settle)
      resolve()
    }
    connection.on('ready', settle)
    connection.on('error', settle)
    connection.on('close', settle)
    connection.on('end', settle)
  })
}
