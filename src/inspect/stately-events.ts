/**
 * XState inspection events → the event stream the Stately tools read.
 *
 * `@statelyai/inspect` (0.7.x) sends three kinds of JSON objects over its
 * WebSocket and into the Stately inspector page: `@xstate.actor` (an actor was
 * created, with its machine definition as a JSON string), `@xstate.event` (an
 * event was sent to an actor) and `@xstate.snapshot` (an actor's new state).
 * XState's other inspection events (`@xstate.microstep`, `@xstate.action`,
 * `@xstate.transition`) are not part of that stream; they are dropped here as
 * there (action events would also carry action params such as the session).
 *
 * Everything taken from the live actor goes through the redactor; nothing
 * here keeps a reference to a live object.
 */
import type { ActorRefLike, InspectionEvent } from 'xstate'
import { copyJsonSafe, type Redacted, type Redactor } from './redact.ts'

/** The `@statelyai/inspect` release whose stream format this mirrors; sent as `_version`. */
export const STATELY_FORMAT_VERSION = '0.7.2'

/** Deep enough for any real statechart; a definition is static and has no cycles to guard against. */
const DEFINITION_MAX_DEPTH = 64

interface StatelyEventBase {
  sessionId: string
  rootId: string | undefined
  /** Milliseconds since the epoch, as a string. */
  createdAt: string
  id: null
  _version: string
}

export interface StatelyActorEvent extends StatelyEventBase {
  type: '@xstate.actor'
  name: string
  parentId: string | undefined
  /** The machine config as JSON text, or `{"id": name}` for non-machine actors. */
  definition: string
  snapshot: Redacted
}

export interface StatelyEventEvent extends StatelyEventBase {
  type: '@xstate.event'
  sourceId: string | undefined
  event: Redacted
}

export interface StatelySnapshotEvent extends StatelyEventBase {
  type: '@xstate.snapshot'
  event: Redacted
  snapshot: Redacted
}

export type StatelyInspectionEvent = StatelyActorEvent | StatelyEventEvent | StatelySnapshotEvent

/** What XState's `Actor` has beyond `ActorRefLike`; read defensively, it is not public API. */
interface ActorInternals {
  id?: unknown
  logic?: { config?: unknown }
  _parent?: { sessionId?: unknown }
}

function internals(actorRef: ActorRefLike): ActorInternals {
  return actorRef as unknown as ActorInternals
}

function definitionOf(actorRef: ActorRefLike): Record<string, unknown> | undefined {
  const config = internals(actorRef).logic?.config
  // Promise and callback actors keep their function as `config`: they have no definition.
  return typeof config === 'object' && config !== null ? (config as Record<string, unknown>) : undefined
}

function actorName(actorRef: ActorRefLike, definition: Record<string, unknown> | undefined): string {
  const id = internals(actorRef).id
  const definitionId = definition?.['id']
  if (typeof id === 'string' && id !== actorRef.sessionId) return id
  if (typeof definitionId === 'string') return definitionId
  return actorRef.sessionId
}

function definitionText(definition: Record<string, unknown> | undefined, name: string, redactor: Redactor): string {
  if (!definition) return JSON.stringify({ id: name })
  const copy = copyJsonSafe(definition, DEFINITION_MAX_DEPTH)
  if (typeof copy !== 'object' || copy === null || Array.isArray(copy)) return JSON.stringify({ id: name })
  // A definition is code, but a literal `context: {...}` in it is data: redact that part.
  if ('context' in definition && typeof definition['context'] !== 'function') {
    copy['context'] = redactor(definition['context']) ?? null
  }
  return JSON.stringify(copy)
}

function initialSnapshot(actorRef: ActorRefLike): unknown {
  try {
    // XState announces an actor before its first snapshot exists; the next
    // `@xstate.snapshot` event carries it.
    return actorRef.getSnapshot() ?? { status: 'active' }
  } catch {
    return { status: 'active' }
  }
}

function parentIdOf(actorRef: ActorRefLike): string | undefined {
  const parentId = internals(actorRef)._parent?.sessionId
  return typeof parentId === 'string' ? parentId : undefined
}

/**
 * The Stately form of one XState inspection event, redacted, or `undefined`
 * for the kinds the Stately stream does not carry.
 */
export function toStatelyEvent(
  inspection: InspectionEvent,
  redactor: Redactor,
  now: () => number = Date.now,
): StatelyInspectionEvent | undefined {
  const base: StatelyEventBase = {
    sessionId: inspection.actorRef.sessionId,
    rootId: inspection.rootId,
    createdAt: String(now()),
    id: null,
    _version: STATELY_FORMAT_VERSION,
  }
  switch (inspection.type) {
    case '@xstate.actor': {
      const definition = definitionOf(inspection.actorRef)
      const name = actorName(inspection.actorRef, definition)
      return {
        ...base,
        type: '@xstate.actor',
        name,
        parentId: parentIdOf(inspection.actorRef),
        definition: definitionText(definition, name, redactor),
        snapshot: redactor(initialSnapshot(inspection.actorRef)) ?? null,
      }
    }
    case '@xstate.event': {
      return {
        ...base,
        type: '@xstate.event',
        sourceId: inspection.sourceRef?.sessionId,
        event: redactor(inspection.event) ?? null,
      }
    }
    case '@xstate.snapshot': {
      // One pass over both, so a secret met in the snapshot is also scrubbed from the event's text.
      const parts = redactor({ event: inspection.event, snapshot: inspection.snapshot })
      const { event = null, snapshot = null } = (parts ?? {}) as { event?: Redacted; snapshot?: Redacted }
      return { ...base, type: '@xstate.snapshot', event, snapshot }
    }
    default:
      return undefined
  }
}
