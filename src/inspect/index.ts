/**
 * The live inspector for a running mini-program. Runs in a mini-program (no
 * Node or DOM globals); the Node-only relay lives in `./relay/index.ts`.
 */
export { createMiniprogramInspector, DEFAULT_MAX_QUEUED_EVENTS } from './miniprogram-inspector.ts'
export type { InspectorStatus, MiniprogramInspector, MiniprogramInspectorOptions } from './miniprogram-inspector.ts'
export { DEFAULT_RECONNECT } from './socket-transport.ts'
export type { ConnectSocket, ReconnectPolicy } from './socket-transport.ts'
export { CIRCULAR, DEFAULT_MAX_DEPTH, REDACTED, TRUNCATED, createRedactor, isSecretKey, redact } from './redact.ts'
export type { Redacted, RedactOptions, Redactor } from './redact.ts'
export { createInspectionEventRedactor } from './inspection-event-redactor.ts'
export { STATELY_FORMAT_VERSION, toStatelyEvent } from './stately-events.ts'
export type { StatelyActorEvent, StatelyEventEvent, StatelyInspectionEvent, StatelySnapshotEvent } from './stately-events.ts'
