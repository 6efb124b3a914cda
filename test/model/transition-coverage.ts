/** Which states and transitions of a machine a set of generated paths visits. */
import type { AnyMachineSnapshot, AnyStateMachine, AnyStateNode, AnyTransitionDefinition, EventObject } from 'xstate'

export function allStateNodes(machine: AnyStateMachine): AnyStateNode[] {
  const nodes: AnyStateNode[] = []
  const visit = (node: AnyStateNode) => {
    nodes.push(node)
    for (const child of Object.values(node.states)) visit(child as AnyStateNode)
  }
  visit(machine.root)
  return nodes
}

/** A stable name for one transition: its source, its event and which of that event's guarded branches it is. */
export function transitionKey(transition: AnyTransitionDefinition): string {
  const source = transition.source as AnyStateNode
  const branches = source.transitions.get(transition.eventType) ?? []
  return `${source.id} --${transition.eventType}[${branches.indexOf(transition)}]-->`
}

export function allTransitionKeys(machine: AnyStateMachine): string[] {
  return allStateNodes(machine).flatMap((node) =>
    [...node.transitions.values()].flatMap((branches) => branches.map((t) => transitionKey(t))),
  )
}

export interface CoverageStep {
  event: EventObject
  state: AnyMachineSnapshot
}

export function createCoverage(machine: AnyStateMachine) {
  const states = new Set<string>()
  const transitions = new Set<string>()
  return {
    states,
    transitions,
    /** Records a path: the states it is in and the transition each of its events took. */
    record(initial: AnyMachineSnapshot, steps: readonly CoverageStep[]): void {
      let previous = initial
      for (const step of steps) {
        if (!step.event.type.startsWith('xstate.init')) {
          for (const t of machine.getTransitionData(previous, step.event)) transitions.add(transitionKey(t))
        }
        for (const node of step.state._nodes as AnyStateNode[]) states.add(node.id)
        previous = step.state
      }
    },
  }
}
