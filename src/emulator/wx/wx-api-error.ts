/** What the simulated synchronous APIs throw; `message` and `errMsg` are the WeChat-style `api:fail …` text. */
export class WxApiError extends Error {
  override readonly name = 'WxApiError'
  readonly errMsg: string

  constructor(errMsg: string, options?: { cause?: unknown }) {
    super(errMsg, options)
    this.errMsg = errMsg
  }
}

/** WeChat's name for a value's type in parameter errors: String, Number, Undefined, Null, Object, Array… */
export function wxTypeName(value: unknown): string {
  if (value === null) return 'Null'
  if (Array.isArray(value)) return 'Array'
  const type = typeof value
  return type.charAt(0).toUpperCase() + type.slice(1)
}
