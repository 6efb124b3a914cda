/**
 * The tests' one Redis harness. Every test works under a key prefix of its
 * own and removes what it wrote; none touches a Redis it did not start.
 */
export {
  countKeys,
  deleteKeys,
  dumpKeys,
  keysUnder,
  removeAllUnder,
  REDIS_CLUSTER_NODES,
  REDIS_HOST,
  REDIS_PORT,
  REDIS_URL,
  uniquePrefix,
} from './keys.ts'
export { removeAllUnderInCluster, useRedisCluster, useStandaloneRedis, type ClusterRedis, type StandaloneRedis } from './file-prefixes.ts'
export { startRedisSentinel, startRedisServer, type ClusterNode, type RedisProcess, type RedisSentinelProcesses } from './servers.ts'
