/**
 * `fromStep`, the machine's promise steps without an AbortController: it must
 * settle as `fromPromise` does, tell a step when the machine stopped waiting
 * for it, and never act on a snapshot that is no longer running.
 */
import { createActor, type AnyActorRef } from 'xstate'
import { describe, expect, it, vi } from 'vitest'
import { fromStep } from '../../machines/step-actor.ts'
import type { StopSignal } from '../../machines/login.types.ts'
import { deferred } from '../support/services/index.ts'

/** A step the test answers, with the signal it was given. */
function heldStep() {
  const answer = deferred<string>()
  const seen: { input?: number; signal?: StopSignal } = {}
  const logic = fromStep<string, number>(({ input, signal }) => {
    seen.input = input
    seen.signal = signal
    return answer.promise
  })
  return { logic, answer, seen }
}

const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0))

describe('fromStep', () => {
  it('ends done with the step’s output, and gives the step its input and a signal not yet aborted', async () => {
    const { logic, answer, seen } = heldStep()
    const actor = createActor(logic, { input: 7 }).start()
    expect(seen.input).toBe(7)
    expect(seen.signal?.aborted).toBe(false)
    answer.resolve('done')
    await settle()
    expect(actor.getSnapshot()).toMatchObject({ status: 'done', output: 'done', input: undefined })
  })

  it('ends in error with what the step rejected with', async () => {
    const { logic, answer } = heldStep()
    const actor = createActor(logic, { input: 1 })
    const errors: unknown[] = []
    actor.subscribe({ error: (error) => errors.push(error) })
    actor.start()
    const failure = new Error('refused')
    answer.reject(failure)
    await settle()
    expect(actor.getSnapshot()).toMatchObject({ status: 'error', error: failure, input: undefined })
    expect(errors).toEqual([failure])
  })

  it('tells the step it was stopped, and an answer after that changes nothing', async () => {
    const { logic, answer, seen } = heldStep()
    const actor = createActor(logic, { input: 1 }).start()
    actor.stop()
    expect(seen.signal?.aborted).toBe(true)
    expect(actor.getSnapshot().status).toBe('stopped')
    answer.resolve('late')
    await settle()
    expect(actor.getSnapshot()).toMatchObject({ status: 'stopped', output: undefined })
  })

  it('leaves a settled snapshot as it is, whatever event comes next', () => {
    const { logic } = heldStep()
    const done = { status: 'done' as const, output: 'kept', error: undefined, input: undefined }
    for (const type of ['xstate.promise.resolve', 'xstate.promise.reject', 'xstate.stop']) {
      const next = logic.transition(done, { type, data: 'other' }, {} as never)
      expect(next).toBe(done)
    }
    const active = logic.getInitialSnapshot({} as never, 1)
    expect(logic.transition(active, { type: 'SOMETHING_ELSE' }, {} as never)).toBe(active)
  })

  it('does not run the step again for a snapshot that is no longer active', () => {
    const run = vi.fn(() => Promise.resolve('x'))
    const logic = fromStep<string, number>(run)
    const self = { getSnapshot: () => ({ status: 'done' }), send: vi.fn() } as unknown as AnyActorRef
    logic.start?.({ status: 'done', output: 'x', error: undefined, input: undefined }, { self } as never)
    expect(run).not.toHaveBeenCalled()
  })

  it('gives a restored snapshot (one without its flag) a fresh signal, and sends nothing once the actor stopped', async () => {
    const answer = deferred<string>()
    let signal: StopSignal | undefined
    const logic = fromStep<string, number>((args) => {
      signal = args.signal
      return answer.promise
    })
    let status = 'active'
    const send = vi.fn()
    const self = { getSnapshot: () => ({ status }), send } as unknown as AnyActorRef
    logic.start?.({ status: 'active', output: undefined, error: undefined, input: 3 }, { self } as never)
    expect(signal).toEqual({ aborted: false })
    status = 'stopped'
    answer.resolve('late')
    await settle()
    expect(send).not.toHaveBeenCalled()
  })

  it('sends nothing for a rejection that comes after the actor stopped', async () => {
    const answer = deferred<string>()
    const logic = fromStep<string, number>(() => answer.promise)
    const send = vi.fn()
    const self = { getSnapshot: () => ({ status: 'stopped' }), send } as unknown as AnyActorRef
    logic.start?.(logic.getInitialSnapshot({} as never, 1), { self } as never)
    answer.reject(new Error('late'))
    await settle()
    expect(send).not.toHaveBeenCalled()
  })

  it('stops a restored snapshot that carries no flag, and persists and restores a snapshot as it is', () => {
    const { logic } = heldStep()
    const restored = { status: 'active' as const, output: undefined, error: undefined, input: 2 }
    expect(logic.transition(restored, { type: 'xstate.stop' }, {} as never)).toMatchObject({ status: 'stopped', input: undefined })
    const snapshot = logic.getInitialSnapshot({} as never, 4)
    expect(logic.getPersistedSnapshot(snapshot, undefined)).toBe(snapshot)
    expect(logic.restoreSnapshot?.(snapshot as never, {} as never)).toBe(snapshot)
  })
})
