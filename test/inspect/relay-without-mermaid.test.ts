/**
 * Mermaid is an optional peer dependency: without it the relay's own page
 * cannot be served, and saying so in one line at start beats a blank page.
 * Here `require.resolve` fails the way it does when the package is not
 * installed (the rest is the real relay).
 */
import { describe, expect, it, vi } from 'vitest'

vi.mock('../../src/inspect/relay/assets.ts', async (importActual) => {
  const actual = await importActual<typeof import('../../src/inspect/relay/assets.ts')>()
  const notInstalled = (id: string): string => {
    throw Object.assign(new Error(`Cannot find module '${id}'`), { code: 'MODULE_NOT_FOUND' })
  }
  return { ...actual, loadPageAssets: () => actual.loadPageAssets(actual.resolveMermaid(notInstalled)) }
})

const { MissingPackageError, startInspectRelay } = await import('../../src/inspect/relay/index.ts')

describe('without the mermaid package', () => {
  it('refuses to start with the local page, in one line naming the package to install', async () => {
    const failure = await startInspectRelay({ port: 0 }).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(MissingPackageError)
    const message = (failure as Error).message
    expect(message).toBe('inspect relay: the inspector page needs the "mermaid" package; install it with: npm install --save-dev mermaid')
    expect(message).not.toContain('\n')
  })

  it('starts with ui: "stately", and answers the local page with that line', async () => {
    const relay = await startInspectRelay({ port: 0, ui: 'stately' })
    try {
      expect(await (await fetch(relay.pageUrl)).text()).toContain('<iframe id="inspector"')
      const local = await fetch(`${relay.pageUrl}?ui=local`)
      expect(local.status).toBe(503)
      expect(await local.text()).toContain('npm install --save-dev mermaid')
      expect((await fetch(new URL('assets/mermaid.min.js', relay.pageUrl))).status).toBe(404)
    } finally {
      await relay.close()
    }
  })
})
