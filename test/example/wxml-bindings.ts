/**
 * What a WXML file refers to: the data names used inside `{{ }}` and the
 * handler names of `bind…`/`catch…` attributes. Not a WXML parser; enough for
 * the simple templates of the example (no `wx:for` item names, no templates).
 */
const KEYWORDS = new Set(['true', 'false', 'null', 'undefined', 'typeof', 'in', 'instanceof'])

export interface WxmlBindings {
  /** Top-level names read from page data, e.g. `apiStatus` in `{{apiStatus === 'done'}}`. */
  dataNames: string[]
  /** Event handler names, e.g. `onLogoutTap` in `bindtap="onLogoutTap"`. */
  handlers: string[]
}

export function wxmlBindings(wxml: string): WxmlBindings {
  const dataNames = new Set<string>()
  for (const [, expression = ''] of wxml.matchAll(/\{\{([^}]*)\}\}/g)) {
    const withoutStrings = expression.replace(/'[^']*'|"[^"]*"/g, ' ')
    for (const match of withoutStrings.matchAll(/(?<![\w$.])([A-Za-z_$][\w$]*)/g)) {
      const name = match[1]
      if (name !== undefined && !KEYWORDS.has(name)) dataNames.add(name)
    }
  }
  const handlers = new Set<string>()
  for (const [, handler] of wxml.matchAll(/\s(?:bind|catch|capture-bind|capture-catch|mut-bind)[:]?\w+="([^"{}]+)"/g)) {
    if (handler !== undefined) handlers.add(handler.trim())
  }
  return { dataNames: [...dataNames], handlers: [...handlers] }
}
