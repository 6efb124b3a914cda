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
  it('starts on loopback, prints the URLs with a new secret, relays, and stops cleanly on Ctrl-C', async () => {
    const run = runScript({ INSPECT_PORT: '0', INSPECT_HOST: '', INSPECT_SECRET: '' })
    await vi.waitFor(() => expect(run.stdout()).toMatch(/Press Ctrl-C to stop/), { timeout: 15_000 })
    const out = run.stdout()
    const secret = /Secret for this run: ([A-Za-z0-9_-]{22}) \(new at each start/.exec(out)?.[1]
    expect(secret).toBeDefined()
    const port = /listening on 127\.0\.0\.1:(\d+)/.exec(out)?.[1]
    const socketUrl = `ws://127.0.0.1:${port}/${secret}`
    const pageUrl = `http://127.0.0.1:${port}/${secret}/`
    expect(out).toContain(`  ${pageUrl}\n`)
    expect(out).toContain(`${pageUrl}?ui=stately`)
    expect(out).toContain(`createMiniprogramInspector({ url: '${socketUrl}?app=miniprogram'`)
    expect(out).toContain(`createWebSocketInspector({ url: '${socketUrl}?app=node'`)
    expect(out).toContain(`createWebSocketReceiver({ server: '${socketUrl}' })`)
    expect(out).not.toContain('WARNING')

    const page = await fetch(pageUrl)
    expect(await page.text()).toContain('assets/inspector.js')
    // A page from another site is refused, and the script says so.
    const intruder = await fetch(`http://127.0.0.1:${port}/`)
    expect(intruder.status).toBe(403)
    await vi.waitFor(() => expect(run.stdout()).toContain('[inspect] refused a request (403): no secret in the URL'))
    expect(run.stdout().split(secret as string)).toHaveLength(out.split(secret as string).length)

    const receiver = collectFrames(socketUrl)
    await receiver.opened
    const sender = collectFrames(socketUrl)
    await sender.opened
    await vi.waitFor(() => expect(run.stdout()).toContain('2 clients connected'))

    run.child.kill('SIGINT')
    const exit = await run.exited
    expect(exit).toEqual({ code: 0, signal: null })
    expect(run.stdout()).toContain('[inspect] stopped')
    await receiver.close()
    await sender.close()
  })

  it('keeps the secret from INSPECT_SECRET and serves Stately’s page first with INSPECT_UI=stately', async () => {
    const secret = 'kept-across-restarts-0123456789'
    const run = runScript({ INSPECT_PORT: '0', INSPECT_SECRET: secret, INSPECT_UI: 'stately' })
    await vi.waitFor(() => expect(run.stdout()).toMatch(/Press Ctrl-C to stop/), { timeout: 15_000 })
    expect(run.stdout()).toContain(`Secret for this run: ${secret} (from INSPECT_SECRET)`)
    const port = /listening on 127\.0\.0\.1:(\d+)/.exec(run.stdout())?.[1]
    expect(await (await fetch(`http://127.0.0.1:${port}/${secret}/`)).text()).toContain('<iframe id="inspector"')
    expect(run.stdout()).toContain(`http://127.0.0.1:${port}/${secret}/?ui=local`)
    run.child.kill('SIGTERM')
    expect((await run.exited).code).toBe(0)
  })

  it.each([
    ['INSPECT_SECRET', 'short', 'secret must be at least 22 characters'],
    ['INSPECT_UI', 'fancy', 'INSPECT_UI must be "local" or "stately", got "fancy"'],
    ['INSPECT_ALLOW_ORIGINS', 'not-an-origin', 'allowedOrigins must be origins like'],
  ])('refuses a bad %s with a clear message and exit code 1', async (name, value, message) => {
    const run = runScript({ INSPECT_PORT: '0', [name]: value })
    const exit = await run.exited
    expect(exit.code).toBe(1)
    expect(run.stderr()).toContain(message)
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
