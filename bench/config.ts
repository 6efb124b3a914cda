/**
 * What `npm run bench` measures and with which settings: defaults, then
 * environment variables, then `--flags` (a flag beats its variable).
 */
export interface SimulatedLatency {
  /** One `wx.login` (the WeChat client asks WeChat for a code). */
  wxLoginMs: number
  /** One `wx.checkSession`. */
  checkSessionMs: number
  /** One round trip between the mini-program and the developer server. */
  serverMs: number
  /** The developer server's round trip to WeChat's code2Session, inside a server login. */
  code2SessionMs: number
}

export const DEFAULT_LATENCY: Readonly<SimulatedLatency> = Object.freeze({
  wxLoginMs: 120,
  checkSessionMs: 40,
  serverMs: 60,
  code2SessionMs: 80,
})

/** Every answer as soon as the event loop can give it. */
export const NO_LATENCY: Readonly<SimulatedLatency> = Object.freeze({
  wxLoginMs: 0,
  checkSessionMs: 0,
  serverMs: 0,
  code2SessionMs: 0,
})

export const BENCH_SECTIONS = ['launch', 'concurrency', 'overhead', 'http', 'bundle'] as const
export type BenchSection = (typeof BENCH_SECTIONS)[number]

export interface BenchConfig {
  latency: SimulatedLatency
  sections: BenchSection[]
  /** Launches per case and variant in section 1. */
  launchIterations: number
  /** The window given to the client's `serverCheckWindowMs` (when the client has that option). */
  serverCheckWindowMs: number
  /** Concurrent callers in section 2. */
  concurrency: number[]
  /** Runs per burst in section 2 (the median run is reported; every run must keep single flight). */
  concurrencyRepeats: number
  /** Section 3: each variant runs `overheadRounds` slices of `overheadSliceMs`, alternating. */
  overheadSliceMs: number
  overheadRounds: number
  /** Section 3: live clients for the heap measurement. */
  memoryClients: number
  /** Section 4: timed seconds per target, split over `httpRounds` alternating slices (after a warm-up). */
  httpDurationSec: number
  httpRounds: number
  httpWarmupSec: number
  httpConnections: number
  /** Section 4: serve the developer servers from this process instead of a child process. */
  httpInProcess: boolean
  redisUrl: string
  resultsPath: string
}

interface NumberSetting {
  flag: string
  env: string
  help: string
  min: number
  write(config: BenchConfig, value: number): void
}

const NUMBER_SETTINGS: NumberSetting[] = [
  {
    flag: 'wx-login-ms',
    env: 'BENCH_WX_LOGIN_MS',
    help: 'simulated wx.login latency',
    min: 0,
    write: (c, v) => (c.latency.wxLoginMs = v),
  },
  {
    flag: 'check-session-ms',
    env: 'BENCH_CHECK_SESSION_MS',
    help: 'simulated wx.checkSession latency',
    min: 0,
    write: (c, v) => (c.latency.checkSessionMs = v),
  },
  {
    flag: 'server-ms',
    env: 'BENCH_SERVER_MS',
    help: 'simulated developer-server round trip',
    min: 0,
    write: (c, v) => (c.latency.serverMs = v),
  },
  {
    flag: 'code2session-ms',
    env: 'BENCH_CODE2SESSION_MS',
    help: 'simulated code2Session round trip (inside a server login)',
    min: 0,
    write: (c, v) => (c.latency.code2SessionMs = v),
  },
  {
    flag: 'iterations',
    env: 'BENCH_ITERATIONS',
    help: 'launches per case and variant',
    min: 1,
    write: (c, v) => (c.launchIterations = v),
  },
  {
    flag: 'server-check-window-ms',
    env: 'BENCH_SERVER_CHECK_WINDOW_MS',
    help: 'serverCheckWindowMs for the "ours + serverCheckWindowMs" row',
    min: 1,
    write: (c, v) => (c.serverCheckWindowMs = v),
  },
  {
    flag: 'concurrency-repeats',
    env: 'BENCH_CONCURRENCY_REPEATS',
    help: 'runs per burst (the median run is reported)',
    min: 1,
    write: (c, v) => (c.concurrencyRepeats = v),
  },
  {
    flag: 'overhead-slice-ms',
    env: 'BENCH_OVERHEAD_SLICE_MS',
    help: 'length of one timed slice in the orchestration-overhead section',
    min: 10,
    write: (c, v) => (c.overheadSliceMs = v),
  },
  {
    flag: 'overhead-rounds',
    env: 'BENCH_OVERHEAD_ROUNDS',
    help: 'alternating slices per variant',
    min: 1,
    write: (c, v) => (c.overheadRounds = v),
  },
  {
    flag: 'memory-clients',
    env: 'BENCH_MEMORY_CLIENTS',
    help: 'live clients for the heap measurement',
    min: 1,
    write: (c, v) => (c.memoryClients = v),
  },
  {
    flag: 'http-duration',
    env: 'BENCH_HTTP_DURATION_S',
    help: 'timed seconds of autocannon per target',
    min: 1,
    write: (c, v) => (c.httpDurationSec = v),
  },
  {
    flag: 'http-rounds',
    env: 'BENCH_HTTP_ROUNDS',
    help: 'alternating slices per target the timed seconds are split into',
    min: 1,
    write: (c, v) => (c.httpRounds = v),
  },
  {
    flag: 'http-warmup',
    env: 'BENCH_HTTP_WARMUP_S',
    help: 'seconds of warm-up per target before its timed slices (0 = none)',
    min: 0,
    write: (c, v) => (c.httpWarmupSec = v),
  },
  {
    flag: 'http-connections',
    env: 'BENCH_HTTP_CONNECTIONS',
    help: 'autocannon connections',
    min: 1,
    write: (c, v) => (c.httpConnections = v),
  },
]

export function defaultBenchConfig(): BenchConfig {
  return {
    latency: { ...DEFAULT_LATENCY },
    sections: [...BENCH_SECTIONS],
    launchIterations: 10,
    serverCheckWindowMs: 5 * 60 * 1000,
    concurrency: [1, 10, 100, 1000],
    concurrencyRepeats: 3,
    overheadSliceMs: 400,
    overheadRounds: 3,
    memoryClients: 1000,
    httpDurationSec: 3,
    httpRounds: 3,
    httpWarmupSec: 1,
    httpConnections: 16,
    httpInProcess: false,
    redisUrl: 'redis://127.0.0.1:6379',
    resultsPath: 'bench/results.json',
  }
}

export class BenchConfigError extends Error {
  override readonly name = 'BenchConfigError'
}

function parseNumber(raw: string, where: string, min: number): number {
  const value = Number(raw)
  if (raw.trim() === '' || !Number.isFinite(value) || !Number.isInteger(value) || value < min) {
    throw new BenchConfigError(`${where} must be an integer >= ${min}, got '${raw}'`)
  }
  return value
}

function parseList(raw: string, where: string): number[] {
  const values = raw.split(',').map((part) => parseNumber(part, where, 1))
  if (values.length === 0) throw new BenchConfigError(`${where} needs at least one number`)
  return values
}

function parseSections(raw: string, where: string): BenchSection[] {
  const names = raw
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
  const known = BENCH_SECTIONS as readonly string[]
  for (const name of names) {
    if (!known.includes(name)) throw new BenchConfigError(`${where}: unknown section '${name}' (known: ${BENCH_SECTIONS.join(', ')})`)
  }
  if (names.length === 0) throw new BenchConfigError(`${where} needs at least one section`)
  return BENCH_SECTIONS.filter((section) => names.includes(section))
}

/** The `--name=value` / `--name value` / `--flag` arguments as a map. */
function flagsOf(argv: readonly string[]): Map<string, string> {
  const flags = new Map<string, string>()
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    if (!arg.startsWith('--')) throw new BenchConfigError(`unexpected argument '${arg}' (see --help)`)
    const eq = arg.indexOf('=')
    if (eq !== -1) {
      flags.set(arg.slice(2, eq), arg.slice(eq + 1))
      continue
    }
    const next = argv[i + 1]
    if (next !== undefined && !next.startsWith('--')) {
      flags.set(arg.slice(2), next)
      i++
    } else {
      flags.set(arg.slice(2), 'true')
    }
  }
  return flags
}

function parseBoolean(raw: string, where: string): boolean {
  if (raw === 'true' || raw === '1') return true
  if (raw === 'false' || raw === '0') return false
  throw new BenchConfigError(`${where} must be true or false, got '${raw}'`)
}

export function benchUsage(): string {
  const lines = [
    'Usage: npm run bench -- [--flag=value ...]',
    '',
    '  --only=launch,concurrency,overhead,http,bundle   sections to run (env BENCH_ONLY; default all)',
    '  --concurrency=1,10,100,1000                        concurrent callers (env BENCH_CONCURRENCY)',
  ]
  for (const setting of NUMBER_SETTINGS) {
    lines.push(`  --${setting.flag}=N`.padEnd(53) + `${setting.help} (env ${setting.env})`)
  }
  lines.push(
    '  --http-in-process                                  serve the HTTP targets from this process',
    '  --redis-url=URL                                    Redis for the Redis store (env BENCH_REDIS_URL)',
    '  --results=PATH                                     where the raw numbers go (default bench/results.json)',
  )
  return lines.join('\n')
}

/** Defaults, then `BENCH_*` environment variables, then flags. Throws `BenchConfigError` on anything it cannot use. */
export function parseBenchConfig(argv: readonly string[], env: Record<string, string | undefined>): BenchConfig {
  const config = defaultBenchConfig()
  const flags = flagsOf(argv)
  const known = new Set(['only', 'concurrency', 'http-in-process', 'redis-url', 'results', 'help'])

  for (const setting of NUMBER_SETTINGS) {
    known.add(setting.flag)
    const fromEnv = env[setting.env]
    if (fromEnv !== undefined && fromEnv !== '') setting.write(config, parseNumber(fromEnv, setting.env, setting.min))
    const fromFlag = flags.get(setting.flag)
    if (fromFlag !== undefined) setting.write(config, parseNumber(fromFlag, `--${setting.flag}`, setting.min))
  }
  for (const name of flags.keys()) {
    if (!known.has(name)) throw new BenchConfigError(`unknown flag --${name} (see --help)`)
  }

  const only = flags.get('only') ?? env['BENCH_ONLY']
  if (only !== undefined && only !== '') config.sections = parseSections(only, flags.has('only') ? '--only' : 'BENCH_ONLY')
  const concurrency = flags.get('concurrency') ?? env['BENCH_CONCURRENCY']
  if (concurrency !== undefined && concurrency !== '') {
    config.concurrency = parseList(concurrency, flags.has('concurrency') ? '--concurrency' : 'BENCH_CONCURRENCY')
  }
  const inProcess = flags.get('http-in-process')
  if (inProcess !== undefined) config.httpInProcess = parseBoolean(inProcess, '--http-in-process')
  const redisUrl = flags.get('redis-url') ?? env['BENCH_REDIS_URL']
  if (redisUrl !== undefined && redisUrl !== '') config.redisUrl = redisUrl
  const results = flags.get('results')
  if (results !== undefined) config.resultsPath = results
  return config
}

/** Whether `--help` was asked for (checked before parsing the rest). */
export function wantsHelp(argv: readonly string[]): boolean {
  return argv.includes('--help') || argv.includes('-h')
}

export function describeLatency(latency: SimulatedLatency): string {
  return `wx.login ${latency.wxLoginMs} ms, wx.checkSession ${latency.checkSessionMs} ms, developer server ${latency.serverMs} ms, code2Session ${latency.code2SessionMs} ms`
}

/** A URL fit to print or record: a password in it is replaced by `***`. */
export function redactUrl(url: string): string {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return '(a URL that does not parse; not shown)'
  }
  if (parsed.password !== '') parsed.password = '***'
  return parsed.toString()
}
