import { createActor, fromPromise, toPromise, waitFor, type InspectionEvent } from 'xstate'
import { describe, expect, it } from 'vitest'
import { LoginError } from '../../src/contract/index.ts'
import type { Session } from '../../src/client/http-session-server/types.ts'
import {
  REDACTED,
  STATELY_FORMAT_VERSION,
  createRedactor,
  toStatelyEvent,
  type StatelyActorEvent,
  type StatelyEventEvent,
  type StatelyInspectionEvent,
  type StatelySnapshotEvent,
} from '../../src/inspect/index.ts'
import { SECRET_CODE, SECRET_TOKEN, assertNoSecrets, fakeLoginMachine } from './helpers.ts'

type Machine = ReturnType<typeof fakeLoginMachine>

async function runToEnd(machine: Machine, until: 'authenticated' | 'failed') {
  const raw: InspectionEvent[] = []
  const converted: StatelyInspectionEvent[] = []
  const redactor = createRedactor()
  const actor = createActor(machine, {
    input: {},
    inspect: (event) => {
      raw.push(event)
      // Converted at the moment XState reports it, as the inspector does.
      const stately = toStatelyEvent(event, redactor)
      if (stately) converted.push(stately)
    },
  })
  actor.start()
  actor.send({ type: 'START' })
  await waitFor(actor, (snapshot) => snapshot.matches(until), { timeout: 2_000 })
  return { actor, raw, converted }
}

const isActor = (e: StatelyInspectionEvent): e is StatelyActorEvent => e.type === '@xstate.actor'
const isEvent = (e: StatelyInspectionEvent): e is StatelyEventEvent => e.type === '@xstate.event'
const isSnapshot = (e: StatelyInspectionEvent): e is StatelySnapshotEvent => e.type === '@xstate.snapshot'

describe('toStatelyEvent on the login machine', () => {
  it('announces the root actor first, with its definition as JSON text, in the @statelyai/inspect format', async () => {
    const { actor, converted } = await runToEnd(fakeLoginMachine(), 'authenticated')
    const first = converted[0]
    expect(first?.type).toBe('@xstate.actor')
    const root = first as StatelyActorEvent
    expect(root).toMatchObject({
      name: 'login',
      sessionId: actor.sessionId,
      parentId: undefined,
      id: null,
      _version: STATELY_FORMAT_VERSION,
    })
    expect(root.createdAt).toMatch(/^\d+$/)
    const definition = JSON.parse(root.definition) as { id: string; initial: string; states: Record<string, unknown> }
    expect(definition.id).toBe('login')
    expect(definition.initial).toBe('idle')
    expect(Object.keys(definition.states)).toEqual(
      expect.arrayContaining(['idle', 'checkingStorage', 'wxLogin', 'serverLogin', 'authenticated', 'failed']),
    )
    // The context factory is code: it appears as { type } like @statelyai/inspect writes functions.
    expect(definition).toHaveProperty('context')
  })

  it('announces invoked actors as children of the root, with a name-only definition', async () => {
    const { actor, converted } = await runToEnd(fakeLoginMachine(), 'authenticated')
    const children = converted.filter(isActor).filter((e) => e.parentId === actor.sessionId)
    expect(children.length).toBeGreaterThanOrEqual(3)
    for (const child of children) {
      expect(JSON.parse(child.definition)).toEqual({ id: child.name })
      expect(child.rootId).toBe(actor.sessionId)
    }
  })

  it('carries only actor, event and snapshot events (microsteps and actions are dropped)', async () => {
    const { raw, converted } = await runToEnd(fakeLoginMachine(), 'authenticated')
    const rawTypes = new Set(raw.map((e) => e.type))
    expect(rawTypes.has('@xstate.microstep')).toBe(true)
    expect(rawTypes.has('@xstate.action')).toBe(true)
    expect(new Set(converted.map((e) => e.type))).toEqual(new Set(['@xstate.actor', '@xstate.event', '@xstate.snapshot']))
    expect(converted.length).toBe(raw.filter((e) => ['@xstate.actor', '@xstate.event', '@xstate.snapshot'].includes(e.type)).length)
  })

  it('redacts the session in the done event of the server login, and keeps its expiry', async () => {
    const { actor, converted } = await runToEnd(fakeLoginMachine(), 'authenticated')
    const done = converted
      .filter(isEvent)
      .map((e) => e.event as { type: string; output?: { token?: unknown; expiresAt?: unknown } })
      .filter((e) => e.type.startsWith('xstate.done.actor.') && e.output && typeof e.output === 'object' && 'expiresAt' in e.output)
    expect(done.length).toBe(1)
    expect(done[0]?.output?.token).toBe(REDACTED)
    expect(typeof done[0]?.output?.expiresAt).toBe('number')
    // The live actor still has the real token: nothing was mutated.
    expect(actor.getSnapshot().context.session?.token).toBe(SECRET_TOKEN)
  })

  it('redacts context.session.token and the wx.login code in root snapshots', async () => {
    const { actor, converted } = await runToEnd(fakeLoginMachine(), 'authenticated')
    const rootSnapshots = converted.filter(isSnapshot).filter((e) => e.sessionId === actor.sessionId)
    const values = rootSnapshots.map((e) => (e.snapshot as { value: unknown }).value)
    expect(values[0]).toBe('idle')
    expect(values.at(-1)).toBe('authenticated')
    const withCode = rootSnapshots.find((e) => (e.snapshot as { context: { code: unknown } }).context.code !== null)
    expect((withCode?.snapshot as { context: { code: unknown } }).context.code).toBe(REDACTED)
    const last = rootSnapshots.at(-1)?.snapshot as { context: { session: { token: unknown; expiresAt: unknown } } }
    expect(last.context.session.token).toBe(REDACTED)
    expect(typeof last.context.session.expiresAt).toBe('number')
  })

  it('lets no token or code through anywhere, on the fresh-login path', async () => {
    const { converted } = await runToEnd(fakeLoginMachine(), 'authenticated')
    assertNoSecrets(JSON.stringify(converted))
    expect(JSON.stringify(converted)).toContain(REDACTED)
  })

  it('lets no token through on the stored-session path (the session is the input of the server check)', async () => {
    const stored = { token: SECRET_TOKEN, expiresAt: Date.now() + 60_000 }
    const { converted } = await runToEnd(fakeLoginMachine({ stored }), 'authenticated')
    const text = JSON.stringify(converted)
    assertNoSecrets(text)
    expect(text).toContain('checkingServer')
  })

  it('keeps the error code of a failed login visible', async () => {
    const machine = fakeLoginMachine().provide({
      actors: {
        serverLogin: fromPromise<Session, { code: string }>(async () => {
          throw new LoginError('high_risk_user', `refused code ${SECRET_CODE}`)
        }),
      },
    })
    const { actor, converted } = await runToEnd(machine, 'failed')
    const last = converted
      .filter(isSnapshot)
      .filter((e) => e.sessionId === actor.sessionId)
      .at(-1)
    const error = (last?.snapshot as { context: { error: { code: string; message: string } } }).context.error
    expect(error.code).toBe('high_risk_user')
    // The message quoted the code; it was seen under `code` first and is scrubbed here.
    expect(error.message).toBe(`refused code ${REDACTED}`)
    assertNoSecrets(JSON.stringify(converted))
  })

  it('converts a done root actor and ignores kinds it does not know', async () => {
    const redactor = createRedactor()
    const actor = createActor(fromPromise(async () => ({ token: SECRET_TOKEN })))
    const seen: StatelyInspectionEvent[] = []
    const inspected = createActor(
      fromPromise(async () => ({ token: SECRET_TOKEN })),
      {
        inspect: (e) => {
          const s = toStatelyEvent(e, redactor)
          if (s) seen.push(s)
        },
      },
    )
    inspected.start()
    await toPromise(inspected)
    expect(seen.filter(isSnapshot).at(-1)?.snapshot).toMatchObject({ status: 'done', output: { token: REDACTED } })
    const unknown = { type: '@xstate.something', actorRef: actor, rootId: 'x' } as unknown as InspectionEvent
    expect(toStatelyEvent(unknown, redactor)).toBeUndefined()
  })
})
