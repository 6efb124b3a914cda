/** The runner's child processes: bounded in time, their output kept, run outside the repository's npm environment. */
import { spawn } from 'node:child_process'

export interface RunResult {
  code: number | null
  signal: NodeJS.Signals | null
  timedOut: boolean
  /** stdout and stderr, interleaved as they came. */
  output: string
}

/**
 * The environment without what `npm run` adds: with `npm_config_local_prefix`
 * and the rest still set, an `npm install` in a fixture would act on the
 * repository instead. npm's cache setting stays, so every install shares it.
 */
export function cleanEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(env)) {
    const lower = key.toLowerCase()
    if (lower === 'init_cwd' || (lower.startsWith('npm_') && lower !== 'npm_config_cache')) continue
    clean[key] = value
  }
  return clean
}

/**
 * Runs `command` in `cwd` to its end, or ends its whole process group after
 * `timeoutMs`. Always settles, never rejects.
 */
export function run(
  command: string,
  args: readonly string[],
  options: { cwd: string; timeoutMs: number; env?: NodeJS.ProcessEnv },
): Promise<RunResult> {
  return new Promise((resolve) => {
    let output = ''
    let timedOut = false
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? cleanEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    })
    const timer = setTimeout(() => {
      timedOut = true
      // The group: npm, and what it started (webpack, tsc, node-gyp).
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL')
        } catch {
          child.kill('SIGKILL')
        }
      }
    }, options.timeoutMs)
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.on('error', (error) => {
      clearTimeout(timer)
      resolve({ code: null, signal: null, timedOut, output: `${output}\n${error.message}` })
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, timedOut, output })
    })
  })
}

export function describeExit(command: string, result: RunResult): string {
  if (result.timedOut) return `\`${command}\` did not finish in time and was stopped`
  return `\`${command}\` ${result.signal ? `was killed by ${result.signal}` : `exited with code ${String(result.code)}`}`
}

/** The last `count` lines of `output`. */
export function lastLines(output: string, count: number): string[] {
  return output.trimEnd().split('\n').slice(-count)
}
