/** The run's Redis: it is the harness's own, and a machine without Redis is told at once what to install. */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Redis } from 'ioredis'
import { describe, expect, it } from 'vitest'
import { REDIS_CLUSTER_NODES, REDIS_URL } from './index.ts'

describe('the test Redis', () => {
  it('is a server of this run on a port of its own, and a three-master Cluster', async () => {
    expect(new URL(REDIS_URL).port).not.toBe('6379')
    const client = new Redis(REDIS_URL)
    try {
      expect(await client.ping()).toBe('PONG')
    } finally {
      await client.quit()
    }
    expect(REDIS_CLUSTER_NODES).toHaveLength(3)
    const cluster = new Redis.Cluster(REDIS_CLUSTER_NODES)
    try {
      await cluster.set('{mpl-test}:probe', '1', 'PX', 1000)
      expect(await cluster.get('{mpl-test}:probe')).toBe('1')
      const masters = cluster.nodes('master')
      expect(masters).toHaveLength(3)
    } finally {
      await cluster.quit()
    }
  })

  it('stops in one line saying how to install Redis when redis-server is missing', () => {
    // A PATH with node and nothing else: no redis-server on it.
    const bin = mkdtempSync(path.join(tmpdir(), 'mpl-no-redis-'))
    try {
      symlinkSync(process.execPath, path.join(bin, 'node'))
      const script =
        "import('./test/support/redis/servers.ts').then((m) => m.assertRedisInstalled()).catch((e) => { console.error(e.message); process.exit(3) })"
      const run = spawnSync(path.join(bin, 'node'), ['--import', 'tsx', '-e', script], {
        cwd: path.resolve(import.meta.dirname, '../../..'),
        env: { PATH: bin },
        encoding: 'utf8',
      })
      expect(run.status).toBe(3)
      expect(run.stderr.trim()).toBe(
        "the tests start their own Redis, and 'redis-server' is not installed: apt-get install redis-server (Debian/Ubuntu) or brew install redis",
      )
    } finally {
      rmSync(bin, { recursive: true, force: true })
    }
  })
})
