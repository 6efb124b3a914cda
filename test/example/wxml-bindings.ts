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

/** One `<button>` of a WXML file: its `id`, its `open-type`, and its handlers by event (`getphonenumber` → `onGetPhoneNumber`). */
export interface WxmlButton {
  id: string | undefined
  openType: string | undefined
  handlers: Record<string, string>
}

export function wxmlButtons(wxml: string): WxmlButton[] {
  const buttons: WxmlButton[] = []
  for (const [, attributes = ''] of wxml.matchAll(/<button\b([^>]*)>/g)) {
    const values = new Map<string, string>()
    for (const [, name = '', value = ''] of attributes.matchAll(/([\w:-]+)="([^"]*)"/g)) values.set(name, value)
    const handlers: Record<string, string> = {}
    for (const [name, value] of values) {
      const event = /^(?:bind|catch):?(\w+)$/.exec(name)?.[1]
      if (event !== undefined) handlers[event] = value.trim()
    }
    buttons.push({ id: values.get('id'), openType: values.get('open-type'), handlers })
  }
  return buttons
}
