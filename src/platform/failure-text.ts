/**
 * Turns whatever a platform hands to `fail` (or throws) into a short text fit
 * for an error message: WeChat-style `errMsg`, Alipay-style `error` and
 * `errorMessage`, Baidu's `errCode`, or an `Error`'s message. What we handed
 * to the platform is redacted from it before it is shortened: a secret cut
 * in half by the shortening would no longer be found whole, and its first
 * half would be left in the message.
 */
const MAX_LENGTH = 200

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined
}

export function failureText(value: unknown, ...handedOver: unknown[]): string {
  let text: string
  if (typeof value === 'string') {
    text = value
  } else if (value instanceof Error) {
    text = value.message
  } else {
    const parts: string[] = []
    const errMsg = field(value, 'errMsg')
    const errorMessage = field(value, 'errorMessage')
    const code = field(value, 'errCode') ?? field(value, 'errno') ?? field(value, 'errNo') ?? field(value, 'error')
    if (typeof errMsg === 'string' && errMsg) parts.push(errMsg)
    if (typeof errorMessage === 'string' && errorMessage) parts.push(errorMessage)
    if (typeof code === 'number' || (typeof code === 'string' && code)) parts.push(`code ${String(code)}`)
    text = parts.length > 0 ? parts.join(', ') : 'no details'
  }
  text = redact(text.trim() || 'no details', ...handedOver)
  return text.length > MAX_LENGTH ? `${text.slice(0, MAX_LENGTH)}…` : text
}

/** Whether a failure text says the platform gave up waiting. */
export function saysTimeout(text: string): boolean {
  // Also Chromium's net::ERR_TIMED_OUT and ERR_CONNECTION_TIMED_OUT (WeChat on Android), and 超时 ("timed out").
  return /time[\s_]?out|timed[\s_]out|超时/i.test(text)
}

const MIN_SECRET_LENGTH = 6

function collectStrings(value: unknown, into: Set<string>, depth: number): void {
  if (typeof value === 'string') {
    if (value.length >= MIN_SECRET_LENGTH) into.add(value)
    return
  }
  if (depth <= 0 || typeof value !== 'object' || value === null) return
  for (const inner of Object.values(value)) collectStrings(inner, into, depth - 1)
}

/**
 * Replaces every string we handed to the platform (a stored session token,
 * a login code, an `Authorization` header) that the platform may have echoed
 * into its failure text. Error messages must never carry them.
 */
export function redact(text: string, ...handedOver: unknown[]): string {
  const secrets = new Set<string>()
  for (const value of handedOver) collectStrings(value, secrets, 4)
  let result = text
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    result = result.split(secret).join('[redacted]')
  }
  // A bearer credential is a secret whatever it is.
  return result.replace(/(Bearer\s+)[^\s,;"']+/gi, '$1[redacted]')
}
