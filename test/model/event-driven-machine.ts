/**
 * `@xstate/graph`'s `createTestModel` refuses machines with `invoke` or
 * `after` (it cannot traverse what actors and timers would do). The login
 * machine is made of both. This derives, from the machine's own config, the
 * same machine in which each invoked actor's outcome and each delay is an
 * ordinary event of exactly the type XState would deliver
 * (`xstate.done.actor.<id>`, `xstate.error.actor.<id>`,
 * `xstate.after.<delay>.<state id>`), with the same guards, actions and
 * targets. A test checks that the two machines have the same transitions.
 */
import { type AnyInvokeConfig, type AnyStateMachine, type AnyStateNodeConfig, createMachine } from 'xstate'

function toArray<T>(value: T | readonly T[] | undefined): T[] {
  if (value === undefined) return []
  return Array.isArray(value) ? [...value] : [value as T]
}

function toEventDriven(node: AnyStateNodeConfig, id: string): AnyStateNodeConfig {
  const { invoke, after, on, states, ...rest } = node
  const transitions: Record<string, unknown> = { ...(on as Record<string, unknown> | undefined) }
  for (const invocation of toArray<AnyInvokeConfig>(invoke)) {
    if (typeof invocation.id !== 'string') throw new Error(`an invoke in '${id}' has no id; give it one so its events are stable`)
    if (invocation.onDone) transitions[`xstate.done.actor.${invocation.id}`] = invocation.onDone
    if (invocation.onError) transitions[`xstate.error.actor.${invocation.id}`] = invocation.onError
  }
  for (const [delay, transition] of Object.entries((after ?? {}) as Record<string, unknown>)) {
    transitions[`xstate.after.${delay}.${id}`] = transition
  }
  const children = Object.fromEntries(
    Object.entries((states ?? {}) as Record<string, AnyStateNodeConfig>).map(([key, child]) => [key, toEventDriven(child, `${id}.${key}`)]),
  )
  return { ...rest, on: transitions, ...(states ? { states: children } : {}) } as AnyStateNodeConfig
}

export function toEventDrivenMachine<TMachine extends AnyStateMachine>(machine: TMachine): TMachine {
  const config = machine.config as AnyStateNodeConfig
  const id = typeof config.id === 'string' ? config.id : '(machine)'
  return createMachine(toEventDriven(config, id) as never, machine.implementations as never) as unknown as TMachine
}
