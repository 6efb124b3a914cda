/**
 * Renders a statechart as a Mermaid `stateDiagram-v2`, from the machine
 * itself, so the diagram in docs/flow.md cannot drift from the code.
 *
 * Mermaid cannot draw an edge from a state inside a composite state to a
 * state outside it, so such edges are drawn from (or to) the top-level state
 * that contains them; edges within one composite state are drawn inside it.
 * Transitions defined on the machine's root (events accepted in every state)
 * are listed in a note.
 */
import type { AnyStateMachine, AnyStateNode, AnyTransitionDefinition } from 'xstate'

/** A state's id in the Mermaid text: its path joined with `_` (the inspector page finds states by it). */
export function mermaidId(node: AnyStateNode, root: AnyStateNode): string {
  return node.path.length === 0 ? root.id : node.path.join('_')
}

/** A readable label: `START`, `done readSession`, `error wxLogin`, `after wxLoginTimeout`, plus the guard. */
export function transitionLabel(transition: AnyTransitionDefinition): string {
  const type = transition.eventType
  let label = type
  const actor = /^xstate\.(done|error)\.actor\.(.+)$/.exec(type)
  const delayed = /^xstate\.after\.([^.]+)\./.exec(type)
  if (actor) label = `${actor[1]} ${actor[2]}`
  else if (delayed) label = `after ${delayed[1]}`
  const guard = transition.guard
  const guardName =
    typeof guard === 'object' && guard !== null && 'type' in guard ? String(guard.type) : typeof guard === 'string' ? guard : undefined
  return guardName ? `${label} [${guardName}]` : label
}

function topLevelOf(node: AnyStateNode): AnyStateNode {
  let current = node
  while (current.parent && current.parent.parent) current = current.parent
  return current
}

export function toMermaid(machine: AnyStateMachine): string {
  const root = machine.root as AnyStateNode
  const lines: string[] = ['stateDiagram-v2']
  const edgesByParent = new Map<AnyStateNode, string[]>()
  const rootNotes: string[] = []

  const addEdge = (owner: AnyStateNode, line: string) => {
    const list = edgesByParent.get(owner) ?? []
    if (!list.includes(line)) list.push(line)
    edgesByParent.set(owner, list)
  }

  const collect = (node: AnyStateNode) => {
    for (const branches of node.transitions.values()) {
      for (const transition of branches as AnyTransitionDefinition[]) {
        const label = transitionLabel(transition)
        if (node === root) {
          const targets = (transition.target ?? []).map((t) => t.path.join('.'))
          rootNotes.push(`${label} in any state goes to ${targets.join(', ')}`)
          continue
        }
        for (const target of (transition.target ?? [node]) as AnyStateNode[]) {
          if (target.parent === node.parent && node.parent !== root && node.parent) {
            addEdge(node.parent, `${mermaidId(node, root)} --> ${mermaidId(target, root)} : ${label}`)
          } else {
            const from = topLevelOf(node)
            const to = topLevelOf(target)
            addEdge(root, `${mermaidId(from, root)} --> ${mermaidId(to, root)} : ${label}`)
          }
        }
      }
    }
    for (const child of Object.values(node.states) as AnyStateNode[]) collect(child)
  }
  collect(root)

  const render = (node: AnyStateNode, indent: string) => {
    const children = Object.values(node.states) as AnyStateNode[]
    const initial = node.initial?.target?.[0] as AnyStateNode | undefined
    if (initial) lines.push(`${indent}[*] --> ${mermaidId(initial, root)}`)
    for (const child of children) {
      const id = mermaidId(child, root)
      const name = child.key
      if (Object.keys(child.states).length > 0) {
        lines.push(`${indent}state "${name}" as ${id} {`)
        render(child, `${indent}  `)
        lines.push(`${indent}}`)
      } else if (id !== name) {
        lines.push(`${indent}state "${name}" as ${id}`)
      }
    }
    for (const edge of edgesByParent.get(node) ?? []) lines.push(`${indent}${edge}`)
  }
  render(root, '  ')

  const first = Object.values(root.states)[0] as AnyStateNode | undefined
  if (rootNotes.length > 0 && first) {
    lines.push(`  note right of ${mermaidId(first, root)}`)
    for (const note of rootNotes) lines.push(`    ${note}`)
    lines.push('  end note')
  }
  return `${lines.join('\n')}\n`
}
