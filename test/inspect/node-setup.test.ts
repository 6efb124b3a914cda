/**
 * The Node set-up from docs/inspect.md: `@statelyai/inspect`'s own
 * `createWebSocketInspector`, with our redactor as its `serialize` option,
 * through the relay.
 */
import { createWebSocketInspector } from '@statelyai/inspect'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createActor, waitFor } from 'xstate'
import { REDACTED, createInspectionEventRedactor } from '../../src/inspect/index.ts'
import { startInspectRelay } from '../../src/inspect/relay/index.ts'
import { assertNoSecrets, collectFrames, fakeLoginMachine } from './helpers.ts'
import { deferCleanup, runCleanups } from '../support/cleanup.ts'

afterEach(runCleanups)

describe('Node: createWebSocketInspector + createInspectionEventRedactor', () => {
  it('sends the login flow through the relay with the token and code redacted', async () => {
    const relay = await startInspectRelay({ port: 0 })
    deferCleanup(() => relay.close())
    const raw = collectFrames(relay.socketUrl)
    deferCleanup(() => raw.close())
    await raw.opened

    const inspector = createWebSocketInspector({ url: relay.socketUrl, serialize: createInspectionEventRedactor() })
    deferCleanup(() => inspector.stop())
    const actor = createActor(fakeLoginMachine(), { input: {}, inspect: inspector.inspect })
    actor.start()
    actor.send({ type: 'START' })
    await waitFor(actor, (s) => s.matches('authenticated'), { timeout: 2_000 })

    let last: { snapshot?: { value?: unknown; context?: { session?: { token?: unknown } } } } | undefined
    await vi.waitFor(() => {
      const frames = raw.frames.map((f) => JSON.parse(f) as typeof last & { type: string; sessionId: string })
      last = frames.filter((f) => f.type === '@xstate.snapshot' && f.sessionId === actor.sessionId).at(-1)
      expect(last?.snapshot?.value).toBe('authenticated')
    })
    expect(last?.snapshot?.context?.session?.token).toBe(REDACTED)
    assertNoSecrets(raw.frames.join('\n'))
  })
})
