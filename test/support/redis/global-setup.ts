/** vitest global set-up: the run's own Redis (./servers.ts), handed to the tests with `provide` / `inject`. */
import type { TestProject } from 'vitest/node'
import { startTestRedis, type ClusterNode } from './servers.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string
    redisClusterNodes: ClusterNode[]
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const redis = await startTestRedis()
  project.provide('redisUrl', redis.url)
  project.provide('redisClusterNodes', redis.clusterNodes)
  return () => redis.stop()
}
