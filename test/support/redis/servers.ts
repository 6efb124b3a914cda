/**
 * `redis-server` processes started by the tests, each on a free loopback port
 * in a temporary folder, keeping nothing on disk but a Cluster's node files.
 * The run's own standalone server and three-master Cluster (`startTestRedis`,
 * started once by the vitest global set-up, ./global-setup.ts), and servers a
 * single test owns because it pauses them or reads their statistics
 * (`startRedisServer`, `startRedisSentinel`). No test writes into whatever
 * listens on 6379. Nothing here imports vitest: the global set-up runs it
 * outside the test workers.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Redis } from 'ioredis'
import { unusedPort } from '../ports.ts'

export interface ClusterNode {
  host: string
  port: number
}

export interface TestRedis {
  /** `redis://127.0.0.1:<port>` of the standalone server. */
  url: string
  /** The Cluster's three masters. */
  clusterNodes: ClusterNode[]
  stop(): Promise<void>
}

/** A standalone server of one test's own. */
export interface RedisProcess {
  readonly port: number
  readonly url: string
  /** SIGSTOP: the server stops reading and answering, as a stalled Redis does; what was sent waits in its socket. */
  pause(): void
  /** SIGCONT: the server goes on with everything that waited. */
  resume(): void
  stop(): Promise<void>
}

export interface RedisSentinelProcesses {
  /** The Sentinel to ask, and the name of the master it watches. */
  readonly sentinels: ReadonlyArray<ClusterNode>
  readonly name: string
  stop(): Promise<void>
}

const HOST = '127.0.0.1'

/** Stops the run at once, in one line, when Redis is not installed. */
export function assertRedisInstalled(): void {
  for (const command of ['redis-server', 'redis-cli']) {
    const probe = spawnSync(command, ['--version'], { encoding: 'utf8' })
    if (probe.error !== undefined || probe.status !== 0) {
      throw new Error(
        `the tests start their own Redis, and '${command}' is not installed: apt-get install redis-server (Debian/Ubuntu) or brew install redis`,
      )
    }
  }
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const giveUpAt = Date.now() + timeoutMs
  for (;;) {
    if (await check().catch(() => false)) return
    if (Date.now() > giveUpAt) throw new Error(`${what} did not come up within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

async function answers(port: number, command: (client: Redis) => Promise<boolean>): Promise<boolean> {
  const client = new Redis({
    host: HOST,
    port,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  })
  client.on('error', () => {})
  try {
    await client.connect()
    return await command(client)
  } finally {
    client.disconnect()
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => child.once('exit', () => resolve()))
}

/** SIGKILL: nothing is kept on disk, and it ends a paused (SIGSTOPped) server too. */
async function stopServer(child: ChildProcess): Promise<void> {
  child.kill('SIGKILL')
  await exited(child)
}

/**
 * One `redis-server` on a free port, answering PING. `leading` goes before the
 * options (a Sentinel's config file). Another process may take the port
 * between choosing and binding it, so a server that does not come up is
 * retried on another port.
 */
async function spawnServer(dir: string, extra: string[], leading: string[] = []): Promise<{ port: number; child: ChildProcess }> {
  for (let attempt = 0; ; attempt += 1) {
    const port = await unusedPort()
    const child = spawn(
      'redis-server',
      [
        ...leading,
        '--port',
        String(port),
        '--bind',
        HOST,
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
        '--loglevel',
        'warning',
        ...extra,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    )
    let stderr = ''
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    try {
      await waitFor(`redis-server on ${port}`, () => answers(port, async (c) => (await c.ping()) === 'PONG'), 10_000)
      return { port, child }
    } catch (error) {
      await stopServer(child)
      if (attempt >= 3) throw new Error(`${(error as Error).message}: ${stderr.trim()}`, { cause: error })
    }
  }
}

/** Calls `stop` on the way out when `work` fails, so a half-started set of servers leaves nothing behind. */
async function stoppedOnFailure<T>(stop: () => Promise<void>, work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (error) {
    await stop()
    throw error
  }
}

function processGroup(prefix: string): { root: string; children: ChildProcess[]; stop: () => Promise<void> } {
  const root = mkdtempSync(path.join(tmpdir(), prefix))
  const children: ChildProcess[] = []
  return {
    root,
    children,
    async stop() {
      await Promise.all(children.map(stopServer))
      rmSync(root, { recursive: true, force: true })
    },
  }
}

/** The run's standalone server and three-master Cluster (`redis-cli --cluster create`). */
export async function startTestRedis(): Promise<TestRedis> {
  assertRedisInstalled()
  const group = processGroup('mpl-test-redis-')
  return stoppedOnFailure(group.stop, async () => {
    const standalone = await spawnServer(group.root, [])
    group.children.push(standalone.child)

    const clusterPorts: number[] = []
    for (let i = 0; i < 3; i += 1) {
      const nodeDir = path.join(group.root, `node-${i}`)
      mkdirSync(nodeDir)
      const node = await spawnServer(nodeDir, [
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        'nodes.conf',
        '--cluster-node-timeout',
        '5000',
      ])
      group.children.push(node.child)
      clusterPorts.push(node.port)
    }
    const created = spawnSync(
      'redis-cli',
      ['--cluster', 'create', ...clusterPorts.map((port) => `${HOST}:${port}`), '--cluster-replicas', '0', '--cluster-yes'],
      { encoding: 'utf8', timeout: 30_000 },
    )
    if (created.status !== 0) throw new Error(`redis-cli --cluster create failed: ${(created.stderr || created.stdout).trim()}`)
    for (const port of clusterPorts) {
      await waitFor(`the Cluster (seen from ${port})`, () =>
        answers(port, async (c) => String(await c.call('CLUSTER', 'INFO')).includes('cluster_state:ok')),
      )
    }
    return {
      url: `redis://${HOST}:${standalone.port}`,
      clusterNodes: clusterPorts.map((port) => ({ host: HOST, port })),
      stop: group.stop,
    }
  })
}

/** A standalone server of the calling test's own, which it may pause and resume. */
export async function startRedisServer(): Promise<RedisProcess> {
  const group = processGroup('mpl-redis-')
  return stoppedOnFailure(group.stop, async () => {
    const { port, child } = await spawnServer(group.root, [])
    group.children.push(child)
    return {
      port,
      url: `redis://${HOST}:${port}`,
      pause: () => void child.kill('SIGSTOP'),
      resume: () => void child.kill('SIGCONT'),
      stop: group.stop,
    }
  })
}

/** A master and one Sentinel watching it (quorum 1), for clients that find the master through Sentinel. */
export async function startRedisSentinel(name = 'mpl-master'): Promise<RedisSentinelProcesses> {
  const group = processGroup('mpl-redis-sentinel-')
  return stoppedOnFailure(group.stop, async () => {
    const masterDir = path.join(group.root, 'master')
    mkdirSync(masterDir)
    const master = await spawnServer(masterDir, [])
    group.children.push(master.child)
    const sentinelDir = path.join(group.root, 'sentinel')
    mkdirSync(sentinelDir)
    const config = path.join(sentinelDir, 'sentinel.conf')
    writeFileSync(config, `sentinel monitor ${name} ${HOST} ${master.port} 1\nsentinel down-after-milliseconds ${name} 5000\n`)
    const sentinel = await spawnServer(sentinelDir, [], [config, '--sentinel'])
    group.children.push(sentinel.child)
    return { sentinels: [{ host: HOST, port: sentinel.port }], name, stop: group.stop }
  })
}
