/** The inspector relay behind `npm run inspect`, and the page it serves. Node only. */
export {
  DEFAULT_INSPECT_HOST,
  DEFAULT_INSPECT_PORT,
  DEFAULT_REPLAY,
  DEFAULT_STATELY_INSPECTOR_URL,
  startInspectRelay,
} from './relay-server.ts'
export type { InspectRelay, InspectRelayOptions, InspectorUi, Refusal } from './relay-server.ts'
export { MissingPackageError } from './assets.ts'
export type { Chart } from './chart.ts'
export type { SourceInfo, ViewerMessage } from './viewer-protocol.ts'
