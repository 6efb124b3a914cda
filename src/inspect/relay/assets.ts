/**
 * The files the inspector page loads, all served by the relay itself: its
 * own script and style (next to this module) and Mermaid's standalone build
 * from `node_modules`. Read once at start, so a missing file is reported then,
 * in one line, and not as a broken page later.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'

export interface Asset {
  contentType: string
  body: Buffer
}

/** Mermaid's self-contained browser build (an IIFE that defines `window.mermaid`). */
export const MERMAID_FILE = 'mermaid/dist/mermaid.min.js'

export class MissingPackageError extends Error {
  constructor(
    readonly packageName: string,
    cause: unknown,
  ) {
    super(`inspect relay: the inspector page needs the "${packageName}" package; install it with: npm install --save-dev ${packageName}`, {
      cause,
    })
    this.name = 'MissingPackageError'
  }
}

const JS = 'text/javascript; charset=utf-8'
const CSS = 'text/css; charset=utf-8'

function ownFile(name: string): Buffer {
  return readFileSync(new URL(`./page/${name}`, import.meta.url))
}

/** Where Mermaid's browser build is; `resolve` is injectable so the missing-package path can be tested. */
export function resolveMermaid(resolve: (id: string) => string = createRequire(import.meta.url).resolve): string {
  try {
    return resolve(MERMAID_FILE)
  } catch (cause) {
    throw new MissingPackageError('mermaid', cause)
  }
}

/** The page's assets by file name, as `assets/<name>` under the relay's secret path. */
export function loadPageAssets(mermaidPath: string = resolveMermaid()): Map<string, Asset> {
  return new Map<string, Asset>([
    ['inspector.js', { contentType: JS, body: ownFile('inspector.js') }],
    ['inspector.css', { contentType: CSS, body: ownFile('inspector.css') }],
    ['mermaid.min.js', { contentType: JS, body: readFileSync(mermaidPath) }],
  ])
}
