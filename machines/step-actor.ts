/**
 * `fromStep`: XState's `fromPromise`, without its `AbortController`.
 *
 * `fromPromise` makes an `AbortController` (and a WeakMap entry for it) for
 * every invoke. In a profile of a refresh that was about a tenth of the CPU,
 * and a mini-program has no `AbortController` at all. A step only ever reads
 * whether the machine stopped waiting for it, so a plain `{ aborted }` flag
 * does the same job. The logic's type is XState's promise logic, so
 * `loginMachine.provide({ actors })` still takes `fromPromise` actors.
 */
import type { PromiseActorLogic, PromiseSnapshot } from 'xstate'
import type { StopSignal } from './login.types.ts'

const RESOLVE = 'xstate.promise.resolve'
const REJECT = 'xstate.promise.reject'
const STOP = 'xstate.stop'

/** The flag lives on the actor's snapshot under a symbol: copied with it, invisible to JSON and the inspector. */
const SIGNAL: unique symbol = Symbol('stop signal')

type StepSnapshot<TOutput, TInput> = PromiseSnapshot<TOutput, TInput> & { [SIGNAL]?: { aborted: boolean } }

export function fromStep<TOutput, TInput>(run: (args: { input: TInput; signal: StopSignal }) => PromiseLike<TOutput>) {
  const logic: PromiseActorLogic<TOutput, TInput> = {
    config: run,
    transition: (state: StepSnapshot<TOutput, TInput>, event) => {
      if (state.status !== 'active') return state
      switch (event.type) {
        case RESOLVE:
          return { ...state, status: 'done', output: event['data'] as TOutput, input: undefined }
        case REJECT:
          return { ...state, status: 'error', error: event['data'], input: undefined }
        case STOP: {
          const signal = state[SIGNAL]
          if (signal) signal.aborted = true
          return { ...state, status: 'stopped', input: undefined }
        }
        default:
          return state
      }
    },
    start: (state: StepSnapshot<TOutput, TInput>, { self }) => {
      if (state.status !== 'active') return
      const signal = state[SIGNAL] ?? { aborted: false }
      Promise.resolve(run({ input: state.input as TInput, signal })).then(
        (output) => {
          if (self.getSnapshot().status === 'active') self.send({ type: RESOLVE, data: output })
        },
        (error: unknown) => {
          if (self.getSnapshot().status === 'active') self.send({ type: REJECT, data: error })
        },
      )
    },
    getInitialSnapshot: (_, input): StepSnapshot<TOutput, TInput> => ({
      status: 'active',
      output: undefined,
      error: undefined,
      input,
      [SIGNAL]: { aborted: false },
    }),
    getPersistedSnapshot: (snapshot) => snapshot,
    restoreSnapshot: (snapshot) => snapshot as StepSnapshot<TOutput, TInput>,
  }
  return logic
}
