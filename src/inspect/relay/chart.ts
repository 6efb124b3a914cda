/**
 * The chart the inspector page draws for a machine actor, made from the
 * definition the actor itself announced (`@xstate.actor`), with the same
 * generator as docs/flow.md (`src/diagram`). For the login machine it is
 * exactly that document's diagram; for any other machine an app inspects, it
 * is that machine's.
 */
import { createMachine, type AnyStateMachine, type AnyStateNode } from 'xstate'
import { mermaidId, toMermaid } from '../../diagram/index.ts'

export interface Chart {
  /** Mermaid `stateDiagram-v2` text. */
  mermaid: string
  /** Each state's path (`wxLogin.running`) → its id in the Mermaid text (`wxLogin_running`). */
  states: Record<string, string>
}

/** Distinct definitions kept; an app has a handful of machines, not hundreds. */
const CACHE_SIZE = 32

function stateIds(machine: AnyStateMachine): Record<string, string> {
  const root = machine.root as AnyStateNode
  const states: Record<string, string> = {}
  const visit = (node: AnyStateNode): void => {
    for (const child of Object.values(node.states) as AnyStateNode[]) {
      states[child.path.join('.')] = mermaidId(child, root)
      visit(child)
    }
  }
  visit(root)
  return states
}

/** The chart of a definition (JSON text), or `undefined` for actors that have no states (promises, callbacks). */
export function chartOf(definition: string): Chart | undefined {
  let config: unknown
  try {
    config = JSON.parse(definition)
  } catch {
    return undefined
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) return undefined
  const states = (config as { states?: unknown }).states
  if (typeof states !== 'object' || states === null || Object.keys(states).length === 0) return undefined
  try {
    // The definition went through JSON: guards, actions and actors are names
    // or `{ type }` objects, which is all a drawing needs.
    const machine = createMachine(config as Parameters<typeof createMachine>[0])
    return { mermaid: toMermaid(machine), states: stateIds(machine) }
  } catch {
    // Not a definition XState can read (hand-made frames): no chart; the log still shows its events.
    return undefined
  }
}

/** `chartOf`, remembering the last few definitions it saw (a reconnecting app sends the same one again). */
export function createChartCache(): (definition: string) => Chart | undefined {
  const cache = new Map<string, Chart | undefined>()
  return (definition) => {
    if (cache.has(definition)) {
      const chart = cache.get(definition)
      cache.delete(definition)
      cache.set(definition, chart)
      return chart
    }
    const chart = chartOf(definition)
    cache.set(definition, chart)
    if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value as string)
    return chart
  }
}
