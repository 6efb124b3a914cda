/**
 * The chart the inspector page draws for a machine actor, made from the
 * definition the actor itself announced (`@xstate.actor`), with the same
 * generator as docs/flow.md (`src/diagram`). For the login machine it is
 * exactly that document's diagram; for any other machine an app inspects, it
 * is that machine's.
 */
import { createMachine, type AnyStateMachine, type AnyStateNode } from 'xstate'
import { mermaidId, toMermaid } from '../../diagram/index.ts'
import { parseJsonObject } from '../../contract/index.ts'

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

/** The chart of a machine the relay has at hand. */
export function chartOfMachine(machine: AnyStateMachine): Chart {
  return { mermaid: toMermaid(machine), states: stateIds(machine) }
}

/** The same drawing whatever the order of its lines (and so whichever state comes first and carries the note). */
function fingerprint(mermaid: string): string {
  return mermaid
    .split('\n')
    .map((line) => line.replace(/^(\s*note right of) .*$/, '$1'))
    .sort()
    .join('\n')
}

/**
 * The most states (at every depth) and the deepest nesting a chart is drawn for. A frame of 1 MiB
 * can announce some 30,000 states, and reading that many into a machine and a drawing took the
 * relay's only thread 7.7 s, during which no frame of any app was relayed; no page could show such
 * a drawing anyway. The login machine has 15 states, 2 deep.
 */
export const MAX_CHART_STATES = 500
export const MAX_CHART_DEPTH = 32

function objectOrUndefined(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined
}

/** Whether a definition's states stay within the caps; walked with a stack of its own, so no nesting overflows ours. */
function withinChartCaps(states: Record<string, unknown>): boolean {
  let count = 0
  const pending: Array<{ states: Record<string, unknown>; depth: number }> = [{ states, depth: 1 }]
  for (let next = pending.pop(); next; next = pending.pop()) {
    if (next.depth > MAX_CHART_DEPTH) return false
    for (const child of Object.values(next.states)) {
      count += 1
      if (count > MAX_CHART_STATES) return false
      const nested = objectOrUndefined(objectOrUndefined(child)?.['states'])
      if (nested) pending.push({ states: nested, depth: next.depth + 1 })
    }
  }
  return true
}

/**
 * The chart of a definition (JSON text), or `undefined` for actors that have no states (promises,
 * callbacks) and for definitions past the caps (their events are still relayed and logged).
 */
export function chartOf(definition: string): Chart | undefined {
  const config = parseJsonObject(definition)
  if (config === undefined) return undefined
  const states = objectOrUndefined(config['states'])
  if (!states || Object.keys(states).length === 0 || !withinChartCaps(states)) return undefined
  try {
    // The definition went through JSON: guards, actions and actors are names
    // or `{ type }` objects, which is all a drawing needs.
    return chartOfMachine(createMachine(config as Parameters<typeof createMachine>[0]))
  } catch {
    // Not a definition XState can read (hand-made frames): no chart; the log still shows its events.
    return undefined
  }
}

/**
 * `chartOf`, remembering the last few definitions it saw (a reconnecting app
 * sends the same one again).
 *
 * `@statelyai/inspect` sorts the keys of the definition it sends, so its
 * states arrive in alphabetical order and the same machine would be laid out
 * differently. When a drawing matches one of `known` up to the order of its
 * lines, that machine's own chart is used: the login machine is then always
 * docs/flow.md's diagram, whichever inspector sent it.
 */
export function createChartCache(known: readonly AnyStateMachine[] = []): (definition: string) => Chart | undefined {
  const cache = new Map<string, Chart | undefined>()
  const knownCharts = known.map((machine) => {
    const chart = chartOfMachine(machine)
    return { chart, fingerprint: fingerprint(chart.mermaid) }
  })
  const canonical = (chart: Chart | undefined): Chart | undefined => {
    if (!chart) return undefined
    const print = fingerprint(chart.mermaid)
    return knownCharts.find((entry) => entry.fingerprint === print)?.chart ?? chart
  }
  return (definition) => {
    if (cache.has(definition)) {
      const chart = cache.get(definition)
      cache.delete(definition)
      cache.set(definition, chart)
      return chart
    }
    const chart = canonical(chartOf(definition))
    cache.set(definition, chart)
    if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value as string)
    return chart
  }
}
