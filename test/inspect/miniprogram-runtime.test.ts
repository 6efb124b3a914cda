/**
 * The inspector must run in a mini-program's JS engine: plain ECMAScript plus
 * `console` and timers; no `window`, `document`, `WebSocket`, `process`,
 * `Buffer`, `require` or Node built-ins. These tests bundle it as a
 * mini-program build would and run it in a V8 context holding only that.
 */
import * as esbuild from 'esbuild'
import { fileURLToPath } from 'node:url'
import vm from 'node:vm'
import { describe, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

async function bundle(contents: string) {
  const result = await esbuild.build({
    stdin: { contents, resolveDir: ROOT, loader: 'ts', sourcefile: 'entry.ts' },
    bundle: true,
    write: false,
    format: 'iife',
    globalName: 'bundle',
    platform: 'neutral',
    conditions: ['module'],
    mainFields: ['module', 'main'],
    define: { 'process.env.NODE_ENV': '"production"' },
    metafile: true,
    logLevel: 'silent',
  })
  const output = result.outputFiles[0]
  if (!output) throw new Error('esbuild produced no output')
  return { text: output.text, inputs: Object.keys(result.metafile.inputs) }
}

/** What a mini-program's logic layer offers beyond ECMAScript itself, for our purposes. */
function miniprogramLikeContext(extra: Record<string, unknown> = {}): vm.Context {
  return vm.createContext({ console, setTimeout, clearTimeout, ...extra })
}

interface ScriptedSocket {
  sent: string[]
  connectSocket: (option: { url: string }) => unknown
  open(): void
}

function scriptedSocket(): ScriptedSocket {
  const sent: string[] = []
  let onOpen: (() => void) | undefined
  return {
    sent,
    connectSocket: () => ({
      onOpen: (listener: () => void) => {
        onOpen = listener
      },
      onError: () => {},
      onClose: () => {},
      onMessage: () => {},
      send: (option: { data: string }) => {
        sent.push(option.data)
      },
      close: () => {},
    }),
    open: () => onOpen?.(),
  }
}

describe('the inspector in a mini-program-like runtime', () => {
  it('bundles from our own sources only, with no Node or DOM global in them', async () => {
    const { text, inputs } = await bundle(`export * from './src/inspect/index.ts'`)
    expect(inputs.every((input) => input.startsWith('src/inspect/') || input.startsWith('src/contract/') || input === 'entry.ts')).toBe(
      true,
    )
    for (const global of ['window', 'document', 'WebSocket', 'process', 'Buffer', 'require', 'globalThis', 'crypto']) {
      // Whole words only: `ArrayBuffer` is plain ECMAScript.
      expect(text, global).not.toMatch(new RegExp(`\\b${global}\\b`))
    }
  })

  it('loads and sends redacted events with nothing but console and timers around', async () => {
    const { text } = await bundle(`export * from './src/inspect/index.ts'`)
    const context = miniprogramLikeContext()
    vm.runInContext(text, context)
    const api = context['bundle'] as typeof import('../../src/inspect/index.ts')
    const socket = scriptedSocket()
    const inspector = api.createMiniprogramInspector({
      url: 'ws://127.0.0.1:8080',
      connectSocket: socket.connectSocket as never,
      onError: () => {},
    })
    const actorRef = { sessionId: 'x:0', send: () => {}, getSnapshot: () => undefined }
    inspector.inspect.next?.({
      type: '@xstate.snapshot',
      rootId: 'x:0',
      actorRef,
      event: { type: 'xstate.done.actor.serverLogin', output: { token: 'st_secret_value_1' } },
      snapshot: {
        status: 'active',
        value: 'authenticated',
        context: { session: { token: 'st_secret_value_1', expiresAt: 1 }, code: null },
      },
    } as never)
    expect(socket.sent).toEqual([])
    socket.open()
    expect(socket.sent).toHaveLength(1)
    expect(socket.sent[0]).not.toContain('st_secret_value_1')
    expect(JSON.parse(socket.sent[0] as string)).toMatchObject({
      type: '@xstate.snapshot',
      snapshot: { value: 'authenticated', context: { session: { token: '[redacted]' } } },
    })
  })

  it('runs the login machine with the inspector in that runtime (XState itself needs AbortController there)', async () => {
    const { text } = await bundle(`
      import { createActor, fromPromise } from 'xstate'
      import { loginMachine } from './machines/index.ts'
      import { createMiniprogramInspector } from './src/inspect/index.ts'
      export function run(connectSocket, done) {
        const inspector = createMiniprogramInspector({ url: 'ws://127.0.0.1:8080', connectSocket, onError: done })
        const machine = loginMachine.provide({ actors: {
          readSession: fromPromise(async () => null),
          wxLogin: fromPromise(async () => ({ code: 'wx-code-0123456789' })),
          serverLogin: fromPromise(async () => ({ token: 'st-token-0123456789', expiresAt: Date.now() + 60000 })),
        } })
        const actor = createActor(machine, { inspect: inspector.inspect })
        actor.subscribe((snapshot) => { if (snapshot.matches('authenticated') || snapshot.matches('failed')) done(snapshot.value) })
        actor.start()
        actor.send({ type: 'START' })
      }
    `)
    // XState's fromPromise creates an AbortController per promise actor: a mini-program needs one for XState anyway.
    const context = miniprogramLikeContext({ AbortController })
    vm.runInContext(text, context)
    const socket = scriptedSocket()
    const outcome = await new Promise<unknown>((resolve) => {
      ;(context['bundle'] as { run: (c: unknown, d: (v: unknown) => void) => void }).run(socket.connectSocket, resolve)
    })
    expect(outcome).toBe('authenticated')
    socket.open()
    const all = socket.sent.join('\n')
    expect(socket.sent.length).toBeGreaterThan(10)
    expect(all).not.toContain('wx-code-0123456789')
    expect(all).not.toContain('st-token-0123456789')
    expect(JSON.parse(socket.sent[0] as string)).toMatchObject({ type: '@xstate.actor', name: 'login' })
  })
})
