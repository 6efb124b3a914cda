/** The inspector relay behind `npm run inspect`. Node only. */
export {
  DEFAULT_INSPECT_HOST,
  DEFAULT_INSPECT_PORT,
  DEFAULT_REPLAY,
  DEFAULT_STATELY_INSPECTOR_URL,
  startInspectRelay,
} from './relay-server.ts'
export type { InspectRelay, InspectRelayOptions } from './relay-server.ts'
export { bridgePage } from './bridge-page.ts'
