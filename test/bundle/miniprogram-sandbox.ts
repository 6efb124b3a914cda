/**
 * A V8 context that offers what a mini-program's logic layer offers and
 * nothing else, and records every attempt to use anything more.
 *
 * - Globals: `wx`, `App`, `Page`, `getApp`, `setTimeout`/`clearTimeout`,
 *   `setInterval`/`clearInterval` (numeric ids, as in WeChat), `console`, and
 *   the ECMAScript (ES2017) built-ins of the context itself. No `globalThis`,
 *   `global`, `window`, `self`, `process`, `Buffer`, `queueMicrotask`,
 *   `fetch`, `URL`, `TextEncoder`, `eval`…
 * - Code runs as the mini-program CommonJS loader runs it: wrapped in
 *   `function (require, module, exports)`, with a `require` the caller
 *   supplies (by default one that throws, as WeChat does for a module it does
 *   not know).
 * - The context's global object is a Proxy: a read, write, `in` test or
 *   definition of any other global is recorded in `unknownGlobals` (and reads
 *   as `undefined`).
 */
import { inspect } from 'node:util'
import vm from 'node:vm'

/**
 * ECMAScript's own global names up to ES2017, less `eval` (mini-programs refuse
 * dynamic code) and `Proxy` (WeChat: missing on some older clients and not
 * polyfillable). No `globalThis`, `BigInt`, `WeakRef`…
 */
export const ES2017_GLOBALS: readonly string[] = [
  'Infinity',
  'NaN',
  'undefined',
  'isFinite',
  'isNaN',
  'parseFloat',
  'parseInt',
  'decodeURI',
  'decodeURIComponent',
  'encodeURI',
  'encodeURIComponent',
  'escape',
  'unescape',
  'Array',
  'ArrayBuffer',
  'Boolean',
  'DataView',
  'Date',
  'Error',
  'EvalError',
  'Float32Array',
  'Float64Array',
  'Function',
  'Int8Array',
  'Int16Array',
  'Int32Array',
  'Map',
  'Number',
  'Object',
  'Promise',
  'RangeError',
  'ReferenceError',
  'RegExp',
  'Set',
  'SharedArrayBuffer',
  'String',
  'Symbol',
  'SyntaxError',
  'TypeError',
  'Uint8Array',
  'Uint8ClampedArray',
  'Uint16Array',
  'Uint32Array',
  'URIError',
  'WeakMap',
  'WeakSet',
  'Atomics',
  'JSON',
  'Math',
  'Reflect',
]

/** What a mini-program's logic layer adds to ECMAScript, as far as this library may use it. */
export const MINIPROGRAM_HOST_GLOBALS = [
  'wx',
  'App',
  'Page',
  'getApp',
  'setTimeout',
  'clearTimeout',
  'setInterval',
  'clearInterval',
  'console',
] as const

export type MiniprogramHostGlobal = (typeof MINIPROGRAM_HOST_GLOBALS)[number]

export interface ConsoleEntry {
  level: 'log' | 'info' | 'warn' | 'error' | 'debug'
  /** The arguments as Node would print them (errors with their `cause`, objects in depth). */
  text: string
}

/** `require` as a mini-program module receives it. */
export type MiniprogramRequire = (specifier: string) => unknown

export interface MiniprogramSandboxOptions {
  wx: object
  /** `App`, `Page`, `getApp` as the host provides them; absent ones throw when called. */
  App?: (options: object) => void
  Page?: (options: object) => void
  getApp?: () => unknown
}

export interface MiniprogramSandbox {
  /** Runs one module's code; answers its `module.exports`. */
  runModule(code: string, filename: string, require?: MiniprogramRequire): unknown
  /** Globals the code touched beyond the allowed ones, e.g. `read process`, `write foo`. Deduplicated, in order. */
  readonly unknownGlobals: readonly string[]
  /** Everything written to `console`. */
  readonly consoleEntries: readonly ConsoleEntry[]
  /** Timers and intervals still pending. */
  readonly pendingTimers: number
  /** Cancels every pending timer. */
  dispose(): void
}

/** What WeChat answers when a module requires something it does not know. */
export function unknownModule(specifier: string): Error {
  return new Error(`module "${specifier}" is not defined, require args is '${specifier}'`)
}

const throwingRequire: MiniprogramRequire = (specifier) => {
  throw unknownModule(specifier)
}

function notProvided(name: string): () => never {
  return () => {
    throw new Error(`${name}() is not available in this sandbox`)
  }
}

function createTimers() {
  let nextId = 1
  const pending = new Map<number, { handle: NodeJS.Timeout; repeat: boolean }>()
  const toDelay = (ms: unknown): number => (typeof ms === 'number' && Number.isFinite(ms) && ms > 0 ? ms : 0)

  function schedule(repeat: boolean, callback: unknown, ms: unknown, args: unknown[]): number {
    if (typeof callback !== 'function') throw new TypeError('the callback must be a function')
    const id = nextId++
    const run = () => {
      if (!repeat) pending.delete(id)
      ;(callback as (...a: unknown[]) => void)(...args)
    }
    const handle = repeat ? setInterval(run, toDelay(ms)) : setTimeout(run, toDelay(ms))
    pending.set(id, { handle, repeat })
    return id
  }
  function cancel(id: unknown): void {
    if (typeof id !== 'number') return
    const timer = pending.get(id)
    if (!timer) return
    pending.delete(id)
    if (timer.repeat) clearInterval(timer.handle)
    else clearTimeout(timer.handle)
  }
  return {
    setTimeout: (callback: unknown, ms?: unknown, ...args: unknown[]) => schedule(false, callback, ms, args),
    setInterval: (callback: unknown, ms?: unknown, ...args: unknown[]) => schedule(true, callback, ms, args),
    clearTimeout: cancel,
    clearInterval: cancel,
    get size() {
      return pending.size
    },
    dispose() {
      for (const id of [...pending.keys()]) cancel(id)
    },
  }
}

function createRecordingConsole(entries: ConsoleEntry[]) {
  const record =
    (level: ConsoleEntry['level']) =>
    (...args: unknown[]) => {
      entries.push({ level, text: args.map((arg) => (typeof arg === 'string' ? arg : inspect(arg, { depth: 8 }))).join(' ') })
    }
  return { log: record('log'), info: record('info'), warn: record('warn'), error: record('error'), debug: record('debug') }
}

export function createMiniprogramSandbox(options: MiniprogramSandboxOptions): MiniprogramSandbox {
  const unknownGlobals: string[] = []
  const consoleEntries: ConsoleEntry[] = []
  const timers = createTimers()
  const host: Record<MiniprogramHostGlobal, unknown> = {
    wx: options.wx,
    App: options.App ?? notProvided('App'),
    Page: options.Page ?? notProvided('Page'),
    getApp: options.getApp ?? notProvided('getApp'),
    setTimeout: timers.setTimeout,
    clearTimeout: timers.clearTimeout,
    setInterval: timers.setInterval,
    clearInterval: timers.clearInterval,
    console: createRecordingConsole(consoleEntries),
  }
  const intrinsics = new Map<string, unknown>()
  const isHost = (key: string): key is MiniprogramHostGlobal => Object.prototype.hasOwnProperty.call(host, key)
  const note = (what: string) => {
    if (!unknownGlobals.includes(what)) unknownGlobals.push(what)
  }

  // Node asks the sandbox object first and takes whatever it answers; the
  // context's own built-ins are only reached when the descriptor trap says
  // "not mine", which is how they are collected below.
  const global = new Proxy(Object.create(null) as Record<string, unknown>, {
    get(target, key) {
      if (typeof key === 'symbol') return undefined
      if (isHost(key)) return host[key]
      if (intrinsics.has(key)) return intrinsics.get(key)
      note(`read ${key}`)
      return target[key]
    },
    has(target, key) {
      if (typeof key === 'symbol') return false
      if (isHost(key) || intrinsics.has(key)) return true
      note(`in ${key}`)
      return key in target
    },
    set(target, key, value) {
      if (typeof key === 'string') {
        note(`write ${key}`)
        target[key] = value
      }
      return true
    },
    defineProperty(target, key, descriptor) {
      if (typeof key === 'string') note(`define ${key}`)
      return Reflect.defineProperty(target, key, descriptor)
    },
    deleteProperty(target, key) {
      if (typeof key === 'string') note(`delete ${key}`)
      return Reflect.deleteProperty(target, key)
    },
    getOwnPropertyDescriptor(target, key) {
      if (typeof key === 'string' && isHost(key)) return { value: host[key], writable: true, enumerable: false, configurable: true }
      return Reflect.getOwnPropertyDescriptor(target, key)
    },
    ownKeys(target) {
      return [...MINIPROGRAM_HOST_GLOBALS, ...Reflect.ownKeys(target)]
    },
  })
  const context = vm.createContext(global, { name: 'mini-program logic layer', codeGeneration: { strings: false, wasm: false } })
  const contextGlobal = vm.runInContext('this', context) as object
  for (const name of ES2017_GLOBALS) {
    const descriptor = Object.getOwnPropertyDescriptor(contextGlobal, name)
    if (descriptor && 'value' in descriptor) intrinsics.set(name, descriptor.value)
  }

  return {
    runModule(code, filename, require = throwingRequire) {
      const factory = vm.runInContext(`(function (require, module, exports) {${code}\n})`, context, { filename }) as (
        require: MiniprogramRequire,
        module: { exports: unknown },
        exports: unknown,
      ) => void
      const module = { exports: {} as unknown }
      factory.call(module.exports, require, module, module.exports)
      return module.exports
    },
    get unknownGlobals() {
      return [...unknownGlobals]
    },
    get consoleEntries() {
      return [...consoleEntries]
    },
    get pendingTimers() {
      return timers.size
    },
    dispose() {
      timers.dispose()
    },
  }
}
