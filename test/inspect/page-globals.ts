/**
 * Types for the few browser globals that the browser test's in-page
 * functions (`page.evaluate`) use. The project's type check has no DOM
 * library on purpose (the library runs in mini-programs and Node, where a
 * stray `document` must not type-check), so these functions say what they
 * expect: `const { document } = globalThis as unknown as PageGlobals`.
 */
export interface PageElement {
  readonly dataset: Record<string, string | undefined>
  readonly attributes: Iterable<{ readonly name: string; readonly value: string }>
  readonly textContent: string | null
  querySelectorAll(selector: string): Iterable<PageElement>
}

export interface Highlight {
  /** The chart's `data-current`: the innermost states, e.g. `wxLogin.running`. */
  current: string
  /** The `data-state` of every shape marked current. */
  marked: string[]
}

export interface PageGlobals {
  document: {
    querySelector(selector: string): PageElement | null
    querySelectorAll(selector: string): Iterable<PageElement> & { readonly length: number }
    readonly documentElement: { readonly outerHTML: string }
    readonly body: { readonly innerText: string }
  }
  MutationObserver: new (callback: () => void) => {
    observe(target: PageElement, options: { attributes: boolean; attributeFilter: string[] }): void
  }
  /** Where the test keeps what it recorded in the page. */
  highlights?: Highlight[]
}
