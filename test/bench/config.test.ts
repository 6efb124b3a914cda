import { describe, expect, it } from 'vitest'
import { BENCH_SECTIONS, BenchConfigError, DEFAULT_LATENCY, benchUsage, defaultBenchConfig, parseBenchConfig } from '../../bench/index.ts'

describe('bench configuration', () => {
  it('defaults to the latencies of the brief and every section', () => {
    const config = parseBenchConfig([], {})
    expect(config).toEqual(defaultBenchConfig())
    expect(config.latency).toEqual({ wxLoginMs: 120, checkSessionMs: 40, serverMs: 60, code2SessionMs: 80 })
    expect(config.latency).toEqual(DEFAULT_LATENCY)
    expect(config.sections).toEqual([...BENCH_SECTIONS])
    expect(config.concurrency).toEqual([1, 10, 100, 1000])
  })

  it('reads environment variables, and a flag beats its variable', () => {
    const config = parseBenchConfig(['--server-ms=90', '--check-session-ms', '10'], { BENCH_SERVER_MS: '30', BENCH_WX_LOGIN_MS: '200' })
    expect(config.latency).toEqual({ wxLoginMs: 200, checkSessionMs: 10, serverMs: 90, code2SessionMs: 80 })
  })

  it('picks sections, concurrency and HTTP options', () => {
    const config = parseBenchConfig(['--only=http,launch', '--concurrency=2,4', '--http-in-process', '--http-duration=5'], {
      BENCH_REDIS_URL: 'redis://example:1',
    })
    expect(config.sections).toEqual(['launch', 'http'])
    expect(config.concurrency).toEqual([2, 4])
    expect(config.httpInProcess).toBe(true)
    expect(config.httpDurationSec).toBe(5)
    expect(config.redisUrl).toBe('redis://example:1')
  })

  it('rejects what it cannot use, naming it', () => {
    const bad: [string[], Record<string, string>, RegExp][] = [
      [['--server-ms=-1'], {}, /--server-ms must be an integer >= 0/],
      [['--iterations=0'], {}, /--iterations must be an integer >= 1/],
      [[], { BENCH_WX_LOGIN_MS: 'fast' }, /BENCH_WX_LOGIN_MS must be an integer/],
      [['--only=launch,speed'], {}, /unknown section 'speed'/],
      [['--concurrency=1,,3'], {}, /--concurrency must be an integer/],
      [['--turbo'], {}, /unknown flag --turbo/],
      [['launch'], {}, /unexpected argument 'launch'/],
      [['--http-in-process=maybe'], {}, /must be true or false/],
    ]
    for (const [argv, env, message] of bad) {
      expect(() => parseBenchConfig(argv, env)).toThrow(BenchConfigError)
      expect(() => parseBenchConfig(argv, env)).toThrow(message)
    }
  })

  it('documents every flag in the usage text', () => {
    const usage = benchUsage()
    for (const flag of [
      '--only',
      '--concurrency',
      '--wx-login-ms',
      '--check-session-ms',
      '--server-ms',
      '--code2session-ms',
      '--iterations',
      '--http-duration',
      '--http-in-process',
    ]) {
      expect(usage).toContain(flag)
    }
  })
})
