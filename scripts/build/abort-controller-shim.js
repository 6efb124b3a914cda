/**
 * XState's `fromPromise` does `new AbortController()` for every promise actor,
 * and a mini-program has no `AbortController` (it is a Web API; WeChat's base
 * library only polyfills ECMAScript). The machine's own steps use `fromStep`
 * (machines/step-actor.ts), which needs none, so a client bundle that does not
 * use `fromPromise` leaves this out. One that does gets it through esbuild's
 * `inject`, scoped to the bundle: the mini-program's global scope is left alone. It has what XState and a promise creator
 * reading `signal` use. Plain ES2017 JavaScript: it is bundled as it is.
 */
class AbortSignalLite {
  constructor() {
    this.aborted = false
    this.reason = undefined
    this.onabort = null
    this._listeners = []
  }
  addEventListener(type, listener) {
    if (type === 'abort' && typeof listener === 'function' && this._listeners.indexOf(listener) < 0) this._listeners.push(listener)
  }
  removeEventListener(type, listener) {
    const at = this._listeners.indexOf(listener)
    if (type === 'abort' && at >= 0) this._listeners.splice(at, 1)
  }
  throwIfAborted() {
    if (this.aborted) throw this.reason
  }
}
export class AbortController {
  constructor() {
    this.signal = new AbortSignalLite()
  }
  abort(reason) {
    const signal = this.signal
    if (signal.aborted) return
    if (reason === undefined) {
      reason = new Error('This operation was aborted')
      reason.name = 'AbortError'
    }
    signal.aborted = true
    signal.reason = reason
    const event = { type: 'abort', target: signal }
    const listeners = [signal.onabort].concat(signal._listeners.splice(0))
    for (const listener of listeners) if (typeof listener === 'function') listener.call(signal, event)
  }
}
