/** `npm run inspect` (scripts/inspect-relay.ts) as a user runs it: a real process, real signals. */
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { startInspectRelay } from '../../src/inspect/relay/index.ts'
import { collectFrames } from './helpers.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

interface Run {
  child: ChildProcess
  stdout: () => string
  stderr: () => string
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

const running: ChildProcess[] = []
afterEach(() => {
  for (const child of running.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
})

function runScript(env: Record<string, string>): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/inspect-relay.ts'], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  running.push(child)
  let out = ''
  let err = ''
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  )
  return { child, stdout: () => out, stderr: () => err, exited }
}

describe('npm run inspect', () => {
  it('starts on loopback, says where to point things, relays, and stops cleanly on Ctrl-C', async () => {
    const run = runScript({ INSPECT_PORT: '0', INSPECT_HOST: '' })
    await vi.waitFor(() => expect(run.stdout()).toMatch(/Press Ctrl-C to stop/), { timeout: 15_000 })
    const out = run.stdout()
    const socketUrl = /listening on (ws:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1]
    expect(socketUrl).toBeDefined()
    expect(out).toContain(`createMiniprogramInspector({ url: '${socketUrl}'`)
    expect(out).toContain(`createWebSocketReceiver({ server: '${socketUrl}' })`)
    expect(out).toContain(`${socketUrl?.replace('ws://', 'http://')}/`)
    expect(out).not.toContain('WARNING')

    const page = await fetch(`${socketUrl?.replace('ws://', 'http://')}/`)
    expect(await page.text()).toContain('stately.ai/inspect')
    const receiver = collectFrames(socketUrl as string)
    await receiver.opened
    const sender = collectFrames(socketUrl as string)
    await sender.opened
    await vi.waitFor(() => expect(run.stdout()).toContain('2 clients connected'))

    run.child.kill('SIGINT')
    const exit = await run.exited
    expect(exit).toEqual({ code: 0, signal: null })
    expect(run.stdout()).toContain('[inspect] stopped')
    await receiver.close()
    await sender.close()
  })

  it('refuses a bad INSPECT_PORT with a clear message and exit code 1', async () => {
    const run = runScript({ INSPECT_PORT: 'eighty' })
    const exit = await run.exited
    expect(exit.code).toBe(1)
    expect(run.stderr()).toContain('INSPECT_PORT must be a port number 0-65535, got "eighty"')
  })

  it('says so when the port is taken, and exits 1', async () => {
    const taken = await startInspectRelay({ port: 0 })
    try {
      const run = runScript({ INSPECT_PORT: String(taken.port) })
      const exit = await run.exited
      expect(exit.code).toBe(1)
      expect(run.stderr()).toContain(`could not listen on 127.0.0.1:${taken.port} (EADDRINUSE)`)
    } finally {
      await taken.close()
    }
  })
})
