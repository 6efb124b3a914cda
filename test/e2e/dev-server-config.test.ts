/** The pieces of `npm start` that need no network: configuration, printed text, signal handling. */
import { EventEmitter } from 'node:events'
import type { NetworkInterfaceInfo } from 'node:os'
import { resolve } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  DEFAULT_DEV_HOST,
  DEFAULT_DEV_PORT,
  describeDevServer,
  DevServerConfigError,
  maskUrlPassword,
  reachableUrls,
  readDevServerConfig,
  startupNotice,
  stopOnSignals,
} from '../../src/local-dev/index.ts'
import type { DevServer, ShutdownProcess } from '../../src/local-dev/index.ts'
import { DEFAULT_SQLITE_PATH, generateSecretBoxKey } from '../../src/server/index.ts'

const SECRET = 'config-test-secret-3f9a1c'
const KEY_1 = generateSecretBoxKey()
const KEY_2 = generateSecretBoxKey()

function configError(env: Record<string, string>): DevServerConfigError {
  try {
    readDevServerConfig(env)
  } catch (error) {
    if (error instanceof DevServerConfigError) return error
    throw error
  }
  throw new Error('expected a DevServerConfigError')
}

describe('readDevServerConfig', () => {
  it('defaults: port 3000 on every interface, the emulator, SQLite at ./data/sessions.db, log level info', () => {
    expect(readDevServerConfig({})).toEqual({
      host: DEFAULT_DEV_HOST,
      port: DEFAULT_DEV_PORT,
      wechat: { kind: 'emulator', port: 0 },
      store: { kind: 'sqlite', path: DEFAULT_SQLITE_PATH },
      encryption: { kind: 'generate' },
      logLevel: 'info',
    })
    expect(DEFAULT_DEV_HOST).toBe('0.0.0.0')
    expect(DEFAULT_DEV_PORT).toBe(3000)
  })

  it('treats blank variables as unset', () => {
    expect(readDevServerConfig({ PORT: ' ', WX_APPID: '', WX_SECRET: '  ', REDIS_URL: '' })).toEqual(readDevServerConfig({}))
  })

  it('reads real WeChat, Redis, a TTL and a log level', () => {
    const config = readDevServerConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      WX_APPID: 'wx1234567890abcdef',
      WX_SECRET: SECRET,
      WX_API_BASE: 'http://127.0.0.1:9999',
      REDIS_URL: 'redis://127.0.0.1:6379/2',
      REDIS_KEY_PREFIX: 'app:',
      SESSION_TTL_MS: '60000',
      LOG_LEVEL: 'DEBUG',
    })
    expect(config).toEqual({
      host: '127.0.0.1',
      port: 0,
      wechat: { kind: 'wechat', appId: 'wx1234567890abcdef', secret: SECRET, apiBase: 'http://127.0.0.1:9999' },
      store: { kind: 'redis', url: 'redis://127.0.0.1:6379/2', keyPrefix: 'app:' },
      encryption: { kind: 'generate' },
      sessionTtlMs: 60_000,
      logLevel: 'debug',
    })
  })

  it('reads a Redis Cluster from REDIS_CLUSTER_NODES', () => {
    expect(readDevServerConfig({ REDIS_CLUSTER_NODES: '127.0.0.1:7000, 10.0.0.2:7001', REDIS_KEY_PREFIX: 'app:' }).store).toEqual({
      kind: 'redis-cluster',
      nodes: [
        { host: '127.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 7001 },
      ],
      keyPrefix: 'app:',
    })
  })

  it('reads SESSION_ENCRYPTION_KEYS (the first key seals), or none for plaintext on purpose', () => {
    const config = readDevServerConfig({ SESSION_ENCRYPTION_KEYS: `k2:${KEY_2},k1:${KEY_1}` })
    expect(config.encryption.kind).toBe('keys')
    if (config.encryption.kind !== 'keys') return
    expect(config.encryption.box.currentKeyId).toBe('k2')
    expect(config.encryption.box.keyIds).toEqual(['k2', 'k1'])
    expect(readDevServerConfig({ SESSION_ENCRYPTION_KEYS: 'none' }).encryption).toEqual({ kind: 'plaintext' })
  })

  it('under NODE_ENV=production, refuses to start without SESSION_ENCRYPTION_KEYS, unless it says none', () => {
    const error = configError({ NODE_ENV: 'production' })
    expect(error.variable).toBe('SESSION_ENCRYPTION_KEYS')
    expect(error.message).toContain('none')
    expect(readDevServerConfig({ NODE_ENV: 'production', SESSION_ENCRYPTION_KEYS: 'none' }).encryption).toEqual({ kind: 'plaintext' })
    expect(readDevServerConfig({ NODE_ENV: 'production', SESSION_ENCRYPTION_KEYS: `k1:${KEY_1}` }).encryption.kind).toBe('keys')
  })

  it('never quotes a key it refuses', () => {
    for (const value of [`k1:${KEY_1.slice(0, 30)}`, `k1:${KEY_1},k1:${KEY_2}`, KEY_1]) {
      const error = configError({ SESSION_ENCRYPTION_KEYS: value })
      expect(error.variable).toBe('SESSION_ENCRYPTION_KEYS')
      expect(error.message).not.toContain(KEY_1.slice(0, 30))
      expect(error.message).not.toContain(KEY_2)
    }
  })

  it.each([
    [{ PORT: '70000' }, 'PORT'],
    [{ PORT: '3e3' }, 'PORT'],
    [{ PORT: '-1' }, 'PORT'],
    [{ WX_EMULATOR_PORT: 'x' }, 'WX_EMULATOR_PORT'],
    [{ WX_APPID: 'wx1234567890abcdef' }, 'WX_SECRET'],
    [{ WX_SECRET: SECRET }, 'WX_APPID'],
    [{ WX_API_BASE: 'http://127.0.0.1:1' }, 'WX_API_BASE'],
    [{ WX_APPID: 'wx1', WX_SECRET: SECRET, WX_API_BASE: 'ftp://example.com' }, 'WX_API_BASE'],
    [{ WX_APPID: 'wx1', WX_SECRET: SECRET, WX_EMULATOR_PORT: '4000' }, 'WX_EMULATOR_PORT'],
    [{ REDIS_URL: 'http://127.0.0.1:6379' }, 'REDIS_URL'],
    [{ REDIS_URL: 'not a url' }, 'REDIS_URL'],
    [{ REDIS_KEY_PREFIX: 'x:' }, 'REDIS_KEY_PREFIX'],
    [{ REDIS_URL: 'redis://127.0.0.1', REDIS_KEY_PREFIX: 'app:{x}:' }, 'REDIS_KEY_PREFIX'],
    [{ REDIS_CLUSTER_NODES: '127.0.0.1' }, 'REDIS_CLUSTER_NODES'],
    [{ REDIS_CLUSTER_NODES: '127.0.0.1:7000', REDIS_URL: 'redis://127.0.0.1' }, 'REDIS_CLUSTER_NODES'],
    [{ REDIS_CLUSTER_NODES: '127.0.0.1:7000', SQLITE_PATH: './x.db' }, 'SQLITE_PATH'],
    [{ REDIS_URL: 'redis://127.0.0.1', SQLITE_PATH: './x.db' }, 'SQLITE_PATH'],
    [{ SESSION_TTL_MS: '0' }, 'SESSION_TTL_MS'],
    [{ SESSION_TTL_MS: '1.5' }, 'SESSION_TTL_MS'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
  ])('rejects %j naming %s', (env, variable) => {
    const error = configError(env)
    expect(error.variable).toBe(variable)
    expect(error.message).toContain(variable)
    expect(error.message).not.toContain(SECRET)
  })

  it('does not quote a Redis URL that may hold a password', () => {
    const error = configError({ REDIS_URL: 'http://user:hunter2-pw@127.0.0.1' })
    expect(error.message).not.toContain('hunter2-pw')
  })
})

describe('maskUrlPassword', () => {
  it('masks the password and leaves the rest', () => {
    expect(maskUrlPassword('redis://user:hunter2@127.0.0.1:6379/1')).toBe('redis://user:***@127.0.0.1:6379/1')
    expect(maskUrlPassword('redis://:hunter2@127.0.0.1:6379')).toBe('redis://:***@127.0.0.1:6379')
    expect(maskUrlPassword('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379')
    expect(maskUrlPassword('::::')).toBe('(unparsable URL)')
  })
})

describe('reachableUrls', () => {
  const interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = {
    lo: [{ address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal: true, cidr: '127.0.0.1/8' }],
    wlan0: [
      {
        address: '192.168.1.23',
        netmask: '255.255.255.0',
        family: 'IPv4',
        mac: '02:00:00:00:00:01',
        internal: false,
        cidr: '192.168.1.23/24',
      },
      {
        address: 'fe80::1',
        netmask: 'ffff:ffff:ffff:ffff::',
        family: 'IPv6',
        mac: '02:00:00:00:00:01',
        internal: false,
        cidr: 'fe80::1/64',
        scopeid: 2,
      },
    ],
  }

  it('on every interface: loopback for this computer, the LAN IPv4 addresses for a phone', () => {
    expect(reachableUrls('0.0.0.0', 3000, interfaces)).toEqual({
      local: 'http://127.0.0.1:3000',
      lan: ['http://192.168.1.23:3000'],
      allInterfaces: true,
      loopbackOnly: false,
    })
    expect(reachableUrls('::', 3000, interfaces).lan).toEqual(['http://192.168.1.23:3000'])
  })

  it('on loopback: this computer only', () => {
    expect(reachableUrls('127.0.0.1', 4000, interfaces)).toEqual({
      local: 'http://127.0.0.1:4000',
      lan: [],
      allInterfaces: false,
      loopbackOnly: true,
    })
    expect(reachableUrls('::1', 4000, interfaces).local).toBe('http://[::1]:4000')
  })

  it('on one LAN address: that address', () => {
    expect(reachableUrls('192.168.1.23', 4000, interfaces)).toEqual({
      local: 'http://192.168.1.23:4000',
      lan: ['http://192.168.1.23:4000'],
      allInterfaces: false,
      loopbackOnly: false,
    })
  })
})

describe('startupNotice (the first line printed)', () => {
  it('says loudly that the emulator stands in for WeChat', () => {
    const line = startupNotice(readDevServerConfig({}))
    expect(line).toMatch(/EMULATOR/)
    expect(line).toContain('WX_APPID')
  })

  it('names the WeChat API and the AppID, never the secret', () => {
    const line = startupNotice(readDevServerConfig({ WX_APPID: 'wx1234567890abcdef', WX_SECRET: SECRET }))
    expect(line).toContain('https://api.weixin.qq.com')
    expect(line).toContain('wx1234567890abcdef')
    expect(line).not.toMatch(/emulator/i)
    expect(line).not.toContain(SECRET)
  })
})

describe('describeDevServer', () => {
  const server = (overrides: Partial<DevServer>): DevServer =>
    ({
      host: '0.0.0.0',
      port: 3000,
      urls: { local: 'http://127.0.0.1:3000', lan: ['http://192.168.1.23:3000'], allInterfaces: true, loopbackOnly: false },
      wechat: { kind: 'emulator', url: 'http://127.0.0.1:4100', appId: 'wx0000000000000000' },
      emulator: undefined,
      store: { kind: 'sqlite', path: resolve('data/sessions.db') },
      encryption: { kind: 'sealed', keyId: 'dev-0123abcd', generated: true },
      ...overrides,
    }) as DevServer

  it('shows the client line with the LAN URL, the DevTools domain-check hint, and how to get an emulator code', () => {
    const text = describeDevServer(server({})).join('\n')
    expect(text).toContain("createLoginClient({ platform: wechatPlatform(wx), server: { baseUrl: 'http://192.168.1.23:3000' } })")
    expect(text).toContain('Do not verify valid domain names')
    expect(text).toContain('http://127.0.0.1:4100/__sim/login')
    expect(text).toContain(resolve('data/sessions.db'))
    expect(text).toContain('HOST=127.0.0.1')
    expect(text).toContain('Ctrl-C')
  })

  it('says when session_keys are sealed with a key generated for this run, and how to configure one', () => {
    const text = describeDevServer(server({})).join('\n')
    expect(text).toContain('DEVELOPMENT key generated for this run (dev-0123abcd)')
    expect(text).toContain('SESSION_ENCRYPTION_KEYS=')
    const configured = describeDevServer(server({ encryption: { kind: 'sealed', keyId: 'k7', generated: false } })).join('\n')
    expect(configured).toContain('sealed at rest (AES-256-GCM) with key k7')
    expect(configured).not.toContain('DEVELOPMENT')
    expect(describeDevServer(server({ encryption: { kind: 'plaintext' } })).join('\n')).toContain('PLAINTEXT')
  })

  it('on loopback, points the client at loopback and says a phone cannot reach it', () => {
    const text = describeDevServer(
      server({
        host: '127.0.0.1',
        urls: { local: 'http://127.0.0.1:3000', lan: [], allInterfaces: false, loopbackOnly: true },
        wechat: { kind: 'wechat', apiBase: 'https://api.weixin.qq.com', appId: 'wx1234567890abcdef' },
        store: { kind: 'redis', url: 'redis://:***@127.0.0.1:6379', keyPrefix: 'mpl:' },
      }),
    ).join('\n')
    expect(text).toContain("baseUrl: 'http://127.0.0.1:3000'")
    expect(text).toContain('HOST=0.0.0.0')
    expect(text).toContain('redis://:***@127.0.0.1:6379')
    expect(text).not.toContain('__sim')
  })
})

describe('stopOnSignals', () => {
  class FakeProcess extends EventEmitter implements ShutdownProcess {
    exitCode: number | string | undefined
    readonly exits: number[] = []
    exit(code: number): void {
      this.exits.push(code)
    }
  }

  function deferred(): { promise: Promise<void>; resolve(): void; reject(error: Error): void } {
    let resolve!: () => void
    let reject!: (error: Error) => void
    const promise = new Promise<void>((res, rej) => {
      resolve = res
      reject = rej
    })
    return { promise, resolve, reject }
  }

  afterEach(() => {
    vi.useRealTimers()
  })

  it('closes once on SIGINT and ends with code 0', async () => {
    vi.useFakeTimers()
    const proc = new FakeProcess()
    const closing = deferred()
    const close = vi.fn(() => closing.promise)
    const lines: string[] = []
    stopOnSignals({ close }, { process: proc, log: (line) => lines.push(line), lingerMs: 1_000 })

    proc.emit('SIGINT', 'SIGINT')
    expect(close).toHaveBeenCalledTimes(1)
    expect(proc.exitCode).toBeUndefined()
    closing.resolve()
    await vi.advanceTimersByTimeAsync(0)
    expect(proc.exitCode).toBe(0)
    expect(lines.at(-1)).toBe('[dev-server] stopped')
    // Something still holding the process: it is ended with 0 after the linger.
    expect(proc.exits).toEqual([])
    await vi.advanceTimersByTimeAsync(1_000)
    expect(proc.exits).toEqual([0])
  })

  it('SIGTERM works the same way', async () => {
    const proc = new FakeProcess()
    const close = vi.fn(() => Promise.resolve())
    stopOnSignals({ close }, { process: proc, log: () => {} })
    proc.emit('SIGTERM', 'SIGTERM')
    await vi.waitFor(() => expect(proc.exitCode).toBe(0))
    expect(close).toHaveBeenCalledTimes(1)
  })

  it('a second signal while closing exits at once with code 1', () => {
    const proc = new FakeProcess()
    const close = vi.fn(() => new Promise<void>(() => {}))
    stopOnSignals({ close }, { process: proc, log: () => {} })
    proc.emit('SIGINT', 'SIGINT')
    proc.emit('SIGINT', 'SIGINT')
    expect(close).toHaveBeenCalledTimes(1)
    expect(proc.exits).toEqual([1])
  })

  it('a close that fails, or hangs past closeTimeoutMs, exits with code 1', async () => {
    vi.useFakeTimers()
    const failing = new FakeProcess()
    stopOnSignals({ close: () => Promise.reject(new Error('store would not close')) }, { process: failing, log: () => {} })
    failing.emit('SIGINT', 'SIGINT')
    await vi.advanceTimersByTimeAsync(0)
    expect(failing.exits).toEqual([1])

    const hanging = new FakeProcess()
    const lines: string[] = []
    stopOnSignals({ close: () => new Promise<void>(() => {}) }, { process: hanging, log: (line) => lines.push(line), closeTimeoutMs: 500 })
    hanging.emit('SIGTERM', 'SIGTERM')
    await vi.advanceTimersByTimeAsync(499)
    expect(hanging.exits).toEqual([])
    await vi.advanceTimersByTimeAsync(1)
    expect(hanging.exits).toEqual([1])
    expect(lines.at(-1)).toContain('did not stop within 500 ms')
  })

  it('the returned function removes the handlers', () => {
    const proc = new FakeProcess()
    const remove = stopOnSignals({ close: () => Promise.resolve() }, { process: proc, log: () => {} })
    expect(proc.listenerCount('SIGINT')).toBe(1)
    expect(proc.listenerCount('SIGTERM')).toBe(1)
    remove()
    expect(proc.listenerCount('SIGINT')).toBe(0)
    expect(proc.listenerCount('SIGTERM')).toBe(0)
  })
})
