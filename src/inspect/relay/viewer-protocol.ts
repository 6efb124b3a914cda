/**
 * What the relay sends to its own page (the `/<secret>/viewer` socket), one
 * JSON object per text frame. Other clients get the inspection frames alone,
 * verbatim, as `@statelyai/inspect` expects; the page also needs to know which
 * app each frame came from and how to draw its machine, so its frames are
 * wrapped. The page's script (`page/inspector.js`) reads exactly these.
 */
import type { Chart } from './chart.ts'

/** One app sending inspection events: one WebSocket connection that sent at least one frame. */
export interface SourceInfo {
  /** Given by the relay, unique while it runs: `app-1`, `app-2`, … */
  id: string
  /** The socket URL's `app` parameter (`…?app=phone`), else the id. */
  label: string
  /** The peer's IP address, as the relay saw it. */
  address: string | undefined
  connected: boolean
}

export type ViewerMessage =
  /** First message on every connection; a different `relay` means the relay restarted and the page starts over. */
  | { kind: 'hello'; relay: string }
  /** A source appeared or its connection closed. */
  | { kind: 'source'; source: SourceInfo }
  /** One inspection frame from a source; `chart` on `@xstate.actor` frames of machines. */
  | { kind: 'frame'; seq: number; source: string; frame: Record<string, unknown>; chart?: Chart }

export function sourceMessage(source: SourceInfo): string {
  return JSON.stringify({ kind: 'source', source } satisfies ViewerMessage)
}

export function helloMessage(relay: string): string {
  return JSON.stringify({ kind: 'hello', relay } satisfies ViewerMessage)
}

/** Built around the frame's text, which is already valid JSON, so it is not parsed and printed again. */
export function frameMessage(seq: number, source: string, frameText: string, chart: Chart | undefined): string {
  const chartPart = chart ? `,"chart":${JSON.stringify(chart)}` : ''
  return `{"kind":"frame","seq":${seq},"source":${JSON.stringify(source)},"frame":${frameText}${chartPart}}`
}
