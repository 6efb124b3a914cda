/**
 * Redis servers of the test run's own: one standalone server and a three-master
 * Cluster, each `redis-server` on a free loopback port in a temporary folder,
 * keeping nothing on disk but the Cluster's node files. Started by the vitest
 * global set-up (./global-setup.ts); no test writes into whatever listens on 6379.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Redis } from 'ioredis'

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

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, HOST, () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })
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

function startServer(dir: string, port: number, extra: string[]): ChildProcess {
  const child = spawn(
    'redis-server',
    [
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
      '--daemonize',
      'no',
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
  child.once('exit', (code) => {
    if (code !== 0 && code !== null) console.error(`redis-server on port ${port} exited with ${code}: ${stderr.trim()}`)
  })
  return child
}

function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    child.once('exit', () => resolve())
    child.kill('SIGTERM')
  })
}

export async function startTestRedis(): Promise<TestRedis> {
  assertRedisInstalled()
  const root = mkdtempSync(path.join(tmpdir(), 'mpl-test-redis-'))
  const children: ChildProcess[] = []
  const stop = async (): Promise<void> => {
    await Promise.all(children.map(stopServer))
    rmSync(root, { recursive: true, force: true })
  }
  try {
    const standalonePort = await freePort()
    children.push(startServer(root, standalonePort, []))

    const clusterPorts = [await freePort(), await freePort(), await freePort()]
    for (const port of clusterPorts) {
      children.push(
        startServer(root, port, [
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          `nodes-${port}.conf`,
          '--cluster-node-timeout',
          '5000',
        ]),
      )
    }
    await waitFor(`redis-server on ${standalonePort}`, () => answers(standalonePort, async (c) => (await c.ping()) === 'PONG'))
    for (const port of clusterPorts) await waitFor(`redis-server on ${port}`, () => answers(port, async (c) => (await c.ping()) === 'PONG'))

    const created = spawnSync(
      'redis-cli',
      ['--cluster', 'create', ...clusterPorts.map((port) => `${HOST}:${port}`), '--cluster-replicas', '0', '--cluster-yes'],
      {
        encoding: 'utf8',
      },
    )
    if (created.status !== 0) throw new Error(`redis-cli --cluster create failed: ${(created.stderr || created.stdout).trim()}`)
    for (const port of clusterPorts) {
      await waitFor(`the Cluster (seen from ${port})`, () =>
        answers(port, async (c) => String(await c.call('CLUSTER', 'INFO')).includes('cluster_state:ok')),
      )
    }
    return {
      url: `redis://${HOST}:${standalonePort}`,
      clusterNodes: clusterPorts.map((port) => ({ host: HOST, port })),
      stop,
    }
  } catch (error) {
    await stop()
    throw error
  }
}
