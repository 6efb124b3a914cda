/**
 * Redis processes of a test's own: a standalone `redis-server` or a
 * three-master Cluster (`--cluster-enabled yes`, joined with
 * `redis-cli --cluster create`), each on free ports in a temp folder, stopped
 * (and the folder removed) by `stop()`. For tests that must own the server:
 * ones that pause it or read its command statistics. Nothing here touches a
 * Redis the test did not start.
 */
import { spawn, spawnSync } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'

export interface RedisProcess {
  readonly port: number
  readonly url: string
  /** SIGSTOP: the server stops reading and answering, as a stalled Redis does; what was sent waits in its socket. */
  pause(): void
  /** SIGCONT: the server goes on with everything that waited. */
  resume(): void
  stop(): Promise<void>
}

export interface RedisClusterProcesses {
  readonly nodes: ReadonlyArray<{ host: string; port: number }>
  stop(): Promise<void>
}

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

async function waitForPing(port: number): Promise<void> {
  const deadline = Date.now() + 10_000
  for (;;) {
    const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
    probe.on('error', () => {})
    try {
      await probe.connect()
      if ((await probe.ping()) === 'PONG') return
    } catch {
      // not up yet
    } finally {
      probe.disconnect()
    }
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not start`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => child.once('exit', () => resolve()))
}

async function spawnRedis(dir: string, extra: string[], leading: string[] = []): Promise<{ port: number; child: ChildProcess }> {
  for (let attempt = 0; ; attempt += 1) {
    const port = await freePort()
    const child = spawn(
      'redis-server',
      [...leading, '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...extra],
      { stdio: 'ignore' },
    )
    try {
      await waitForPing(port)
      return { port, child }
    } catch (error) {
      child.kill('SIGKILL')
      await exited(child)
      // Another process may have taken the port in between: try another.
      if (attempt >= 3) throw error
    }
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  child.kill('SIGCONT')
  child.kill('SIGKILL')
  await exited(child)
}

export async function startRedisServer(): Promise<RedisProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'mpl-redis-'))
  const { port, child } = await spawnRedis(dir, [])
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    pause: () => void child.kill('SIGSTOP'),
    resume: () => void child.kill('SIGCONT'),
    async stop() {
      await stopChild(child)
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

async function clusterIsReady(port: number): Promise<boolean> {
  const probe = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0 })
  probe.on('error', () => {})
  try {
    const info = (await probe.call('CLUSTER', 'INFO')) as string
    return info.includes('cluster_state:ok')
  } catch {
    return false
  } finally {
    probe.disconnect()
  }
}

export async function startRedisCluster(masters = 3): Promise<RedisClusterProcesses> {
  const dir = mkdtempSync(join(tmpdir(), 'mpl-redis-cluster-'))
  const children: ChildProcess[] = []
  try {
    const ports: number[] = []
    for (let i = 0; i < masters; i += 1) {
      const nodeDir = join(dir, `node-${i}`)
      mkdirSync(nodeDir)
      const { port, child } = await spawnRedis(nodeDir, [
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        join(nodeDir, 'nodes.conf'),
        '--cluster-node-timeout',
        '5000',
      ])
      children.push(child)
      ports.push(port)
    }
    const created = spawnSync(
      'redis-cli',
      ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '0', '--cluster-yes'],
      { encoding: 'utf8', timeout: 30_000 },
    )
    if (created.status !== 0) throw new Error(`redis-cli --cluster create failed: ${created.stdout}${created.stderr}`)
    const deadline = Date.now() + 20_000
    while (!(await Promise.all(ports.map(clusterIsReady))).every(Boolean)) {
      if (Date.now() > deadline) throw new Error('the Redis Cluster did not reach cluster_state:ok')
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    return {
      nodes: ports.map((port) => ({ host: '127.0.0.1', port })),
      async stop() {
        await Promise.all(children.map(stopChild))
        rmSync(dir, { recursive: true, force: true })
      },
    }
  } catch (error) {
    await Promise.all(children.map(stopChild))
    rmSync(dir, { recursive: true, force: true })
    throw error
  }
}

export interface RedisSentinelProcesses {
  /** The Sentinel to ask, and the name of the master it watches. */
  readonly sentinels: ReadonlyArray<{ host: string; port: number }>
  readonly name: string
  stop(): Promise<void>
}

/** A master and one Sentinel watching it (quorum 1), for clients that find the master through Sentinel. */
export async function startRedisSentinel(name = 'mpl-master'): Promise<RedisSentinelProcesses> {
  const dir = mkdtempSync(join(tmpdir(), 'mpl-redis-sentinel-'))
  const children: ChildProcess[] = []
  try {
    const masterDir = join(dir, 'master')
    mkdirSync(masterDir)
    const master = await spawnRedis(masterDir, [])
    children.push(master.child)
    const sentinelDir = join(dir, 'sentinel')
    mkdirSync(sentinelDir)
    const config = join(sentinelDir, 'sentinel.conf')
    writeFileSync(config, `sentinel monitor ${name} 127.0.0.1 ${master.port} 1\nsentinel down-after-milliseconds ${name} 5000\n`)
    const sentinel = await spawnRedis(sentinelDir, [], [config, '--sentinel'])
    children.push(sentinel.child)
    return {
      sentinels: [{ host: '127.0.0.1', port: sentinel.port }],
      name,
      async stop() {
        await Promise.all(children.map(stopChild))
        rmSync(dir, { recursive: true, force: true })
      },
    }
  } catch (error) {
    await Promise.all(children.map(stopChild))
    rmSync(dir, { recursive: true, force: true })
    throw error
  }
}
