/**
 * `miniprogram-login/server/redis`: the Redis session store (standalone,
 * Sentinel or Cluster), in an entry of its own so that
 * `miniprogram-login/server` loads without `ioredis`.
 */
export { createRedisStore, DEFAULT_REDIS_KEY_PREFIX, DEFAULT_REDIS_OPERATION_TIMEOUT_MS } from '../store/redis-store.ts'
export type {
  RedisClientStoreOptions,
  RedisClusterStoreOptions,
  RedisSessionStore,
  RedisStoreOptions,
  RedisUrlStoreOptions,
} from '../store/redis-store.ts'
