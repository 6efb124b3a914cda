/** `npm start` as a developer runs it: a child process, its output, Ctrl-C. */
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { join, resolve } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { DEV_SERVER_ENV_VARS } from '../../src/local-dev/index.ts'
import { SIM_LOGIN_PATH } from '../../src/emulator/index.ts'
import Database from 'better-sqlite3'
import { hashSessionToken } from '../../src/server/tokens.ts'
import { APP_ID, APP_SECRET, startEmulator } from './support/backend.ts'
import { deferCleanup, runCleanups } from './support/cleanup.ts'
import { tmpDirForTest } from './support/tmp-dir.ts'

afterEach(runCleanups)

const ROOT = resolve(import.meta.dirname, '../..')
/** Generous: only a safety net against a script that never gets there (tsx start-up is slow on a busy machine). */
const WAIT_MS = 45_000

interface Started {
  child: ChildProcess
  output(): string
  lines(): string[]
  /** Resolves with the output once a line matches, rejects if the process exits first. */
  waitForLine(pattern: RegExp): Promise<string>
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** Runs scripts/start.ts the way `npm start` does (tsx), with only the variables given. */
function runStartScript(env: Record<string, string>): Started {
  const base: NodeJS.ProcessEnv = { ...process.env }
  for (const name of DEV_SERVER_ENV_VARS) delete base[name]
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    cwd: ROOT,
    env: { ...base, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let text = ''
  const listeners = new Set<() => void>()
  const onData = (chunk: Buffer): void => {
    text += chunk.toString('utf8')
    for (const listener of listeners) listener()
  }
  child.stdout?.on('data', onData)
  child.stderr?.on('data', onData)
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) => {
    child.once('close', (code, signal) => {
      for (const listener of listeners) listener()
      resolveExit({ code, signal })
    })
  })
  deferCleanup(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL')
      await exited
    }
  })
  const lines = (): string[] => text.split('\n').filter((line) => line.length > 0)

  return {
    child,
    output: () => text,
    lines,
    exited,
    waitForLine(pattern) {
      return new Promise((resolveLine, reject) => {
        const check = (): void => {
          const line = lines().find((candidate) => pattern.test(candidate))
          if (line !== undefined) {
            cleanup()
            resolveLine(line)
          } else if (child.exitCode !== null || child.signalCode !== null) {
            cleanup()
            reject(new Error(`start.ts exited before printing ${pattern}:\n${text}`))
          }
        }
        const timer = setTimeout(() => {
          cleanup()
          reject(new Error(`start.ts did not print ${pattern} within ${WAIT_MS} ms:\n${text}`))
        }, WAIT_MS)
        const cleanup = (): void => {
          clearTimeout(timer)
          listeners.delete(check)
        }
        listeners.add(check)
        check()
      })
    },
  }
}

function urlIn(line: string): string {
  const match = /(http:\/\/[^\s',]+)/.exec(line)
  if (!match?.[1]) throw new Error(`no URL in ${JSON.stringify(line)}`)
  return match[1]
}

async function postJson(url: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

describe('npm start (scripts/start.ts)', { timeout: 60_000 }, () => {
  it('without WeChat credentials: says EMULATOR in its first line, serves logins, and exits 0 on SIGINT with the session on disk', async () => {
    const path = join(tmpDirForTest('start-emulator'), 'sessions.db')
    const run = runStartScript({ PORT: '0', HOST: '127.0.0.1', SQLITE_PATH: path })
    await run.waitForLine(/Press Ctrl-C to stop/)

    const [first] = run.lines()
    expect(first).toMatch(/^\[dev-server\] .*LOCAL WECHAT EMULATOR/)
    const serverUrl = urlIn(await run.waitForLine(/This computer/))
    const emulatorUrl = urlIn(await run.waitForLine(/WeChat emulator \(code2Session[^)]*\) at/))
    expect(run.output()).toContain(`server: { baseUrl: '${serverUrl}' }`)
    expect(run.output()).toContain('Do not verify valid domain names')
    expect(run.output()).toContain(`SQLite at ${path}`)

    // The login the printed curl lines describe: a code from the emulator, traded at the server.
    const { body: issued } = await postJson(`${emulatorUrl}${SIM_LOGIN_PATH}`, { openid: 'o-start-script' })
    const login = await postJson(`${serverUrl}/auth/login`, { code: issued['code'] })
    expect(login.status).toBe(200)
    const token = login.body['token'] as string
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/)

    run.child.kill('SIGINT')
    expect(await run.exited).toEqual({ code: 0, signal: null })
    expect(run.output()).toContain('[dev-server] SIGINT: stopping')
    // The last word of the script is "stopped". (The access-log line of the login, written on the
    // response's 'finish', may land after it on a loaded machine: the client can read the answer, and
    // send SIGINT, before the server hears that its write completed.)
    expect(
      run
        .lines()
        .filter((line) => !line.startsWith('{'))
        .at(-1),
    ).toBe('[dev-server] stopped')
    expect(run.output()).not.toContain(token)
    expect(run.output()).not.toContain(String(issued['code']))
    await expect(fetch(`${serverUrl}/healthz`)).rejects.toThrow()
    await expect(fetch(`${emulatorUrl}${SIM_LOGIN_PATH}`, { method: 'POST' })).rejects.toThrow()

    // The session is on disk, its session_key sealed with the key this run generated (and said it did).
    expect(run.output()).toMatch(
      /SESSION_ENCRYPTION_KEYS is not set: session_keys are sealed with a DEVELOPMENT key generated for this run \(dev-[0-9a-f]{8}\)/,
    )
    const db = new Database(path, { readonly: true })
    try {
      const row = db
        .prepare('SELECT s.openid, u.session_key FROM sessions s JOIN users u ON u.openid = s.openid WHERE s.token_hash = ?')
        .get(hashSessionToken(token))
      expect(row).toMatchObject({ openid: 'o-start-script', session_key: expect.stringMatching(/^v1\.dev-[0-9a-f]{8}\./) })
    } finally {
      db.close()
    }
  })

  it('under NODE_ENV=production without SESSION_ENCRYPTION_KEYS: refuses to start, naming the variable', async () => {
    const run = runStartScript({
      PORT: '0',
      HOST: '127.0.0.1',
      NODE_ENV: 'production',
      SQLITE_PATH: join(tmpDirForTest('start-prod'), 's.db'),
    })
    expect(await run.exited).toEqual({ code: 1, signal: null })
    expect(run.output()).toContain('[dev-server] could not start: NODE_ENV is production and SESSION_ENCRYPTION_KEYS is not set')
  })

  it('with WX_APPID / WX_SECRET: names the WeChat it uses, logs at trace without leaking a secret, and exits 0 on SIGTERM', async () => {
    const emulator = await startEmulator()
    const run = runStartScript({
      PORT: '0',
      HOST: '127.0.0.1',
      SQLITE_PATH: join(tmpDirForTest('start-wechat'), 'sessions.db'),
      WX_APPID: APP_ID,
      WX_SECRET: APP_SECRET,
      WX_API_BASE: emulator.url,
      LOG_LEVEL: 'trace',
    })
    await run.waitForLine(/Press Ctrl-C to stop/)
    const [first] = run.lines()
    expect(first).toBe(`[dev-server] Using WeChat at ${emulator.url} for AppID ${APP_ID} (WX_APPID/WX_SECRET are set)`)
    expect(run.output()).not.toMatch(/emulator/i)
    const serverUrl = urlIn(await run.waitForLine(/This computer/))

    const code = await emulator.issueCode('o-start-wechat')
    const login = await postJson(`${serverUrl}/auth/login`, { code })
    expect(login.status).toBe(200)
    const token = login.body['token'] as string
    const replay = await postJson(`${serverUrl}/auth/login`, { code })
    expect(replay).toEqual({ status: 401, body: { error: 'code_used', message: expect.any(String) } })
    const sessionKey = emulator.sessionKeyOf('o-start-wechat') ?? 'missing'

    run.child.kill('SIGTERM')
    expect(await run.exited).toEqual({ code: 0, signal: null })
    expect(run.output()).toContain('"msg":"login succeeded"')
    for (const secret of [APP_SECRET, token, code, sessionKey]) expect(run.output()).not.toContain(secret)
  })

  it('with bad configuration: exits 1 and names the variable, without quoting the secret', async () => {
    const run = runStartScript({ PORT: '0', WX_SECRET: APP_SECRET })
    expect(await run.exited).toEqual({ code: 1, signal: null })
    expect(run.output()).toContain('[dev-server] could not start: WX_SECRET is set but WX_APPID is not')
    expect(run.output()).not.toContain(APP_SECRET)
  })
})
