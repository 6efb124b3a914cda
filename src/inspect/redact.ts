/**
 * Deep, non-mutating redaction of anything the inspector is about to send.
 *
 * The result is a fresh JSON-safe copy: secrets replaced by `[redacted]`,
 * cycles cut, depth bounded, `toJSON` honoured (XState snapshots and actor
 * refs define one), errors reduced to their name and message. The input is
 * only ever read.
 *
 * Secrets are found by key. A string that was seen under a secret key is
 * also remembered as a known secret and scrubbed from every other string
 * (an error message that quotes a token, say), within the same value and,
 * for a redactor made with `createRedactor`, in later values too.
 *
 * Runs in a mini-program: no Node or DOM globals.
 */
import { isLoginError, isLoginErrorCode } from '../contract/index.ts'

export const REDACTED = '[redacted]'
export const CIRCULAR = '[circular]'
export const TRUNCATED = '[truncated]'

/** JSON-safe data, as `redact` returns it. */
export type Redacted = null | boolean | number | string | Redacted[] | { [key: string]: Redacted }

export interface RedactOptions {
  /**
   * More key names to treat as secret, on top of the built-in ones (which
   * cannot be turned off). Compared like the built-in ones: case, `_` and
   * `-` do not matter, and the whole key must match.
   */
  keys?: readonly string[]
  /** Values to scrub wherever they occur inside a string. */
  secrets?: readonly string[]
  /** Levels of nesting kept; deeper values become `[truncated]`. Default 10. */
  maxDepth?: number
}

export const DEFAULT_MAX_DEPTH = 10

/**
 * A key holding one of these words anywhere is secret (`accessToken`,
 * `AppSecret`, `session_key`, `Authorization`, `set-cookie`, `purePhoneNumber`…).
 * Phone numbers are personal data the developer server hands back from
 * `/auth/phone`; `encryptedData` is what `/auth/decrypt` turns into them.
 */
const SECRET_KEY_WORDS = [
  'token',
  'secret',
  'sessionkey',
  'authorization',
  'password',
  'passwd',
  'cookie',
  'apikey',
  'privatekey',
  'credential',
  'phonenumber',
  'encrypteddata',
]

/**
 * Keys secret only under exactly these names. The one-time login codes:
 * `statusCode`, `errCode` and a `LoginError`'s `code` are diagnostics, not
 * secrets. And `iv`, the vector that goes with `encryptedData`: as a word it
 * would hit any key that happens to contain the two letters. `phone` and
 * `mobile` (an app's own name for the number, or the server's user record's
 * `phone`) likewise: as words they would hit `phoneModel` or `mobileNetwork`.
 */
const SECRET_EXACT_KEYS = new Set(['code', 'jscode', 'wxcode', 'logincode', 'authcode', 'oauthcode', 'iv', 'phone', 'mobile'])

/** Known secrets shorter than this are not scrubbed from free text (they would hit ordinary words). */
const MIN_SCRUBBED_SECRET_LENGTH = 6

/** How many known secrets a `createRedactor` remembers between calls. */
const REMEMBERED_SECRETS = 64

function normalizeKey(key: string): string {
  return key.toLowerCase().replace(/[^a-z0-9]/g, '')
}

/** Whether the built-in rules treat a key as holding a secret. */
export function isSecretKey(key: string): boolean {
  const normalized = normalizeKey(key)
  return SECRET_EXACT_KEYS.has(normalized) || SECRET_KEY_WORDS.some((word) => normalized.includes(word))
}

function describeFunction(value: { name: string }): { type: string } {
  // The form `@statelyai/inspect` gives functions in a machine definition.
  return { type: value.name }
}

/**
 * A `LoginError` already turned into JSON (by `toJSON`, upstream of us): its
 * `code` names the failure and is kept, as on a live `LoginError`.
 */
function isLoginErrorJson(value: object): boolean {
  const { name, code } = value as { name?: unknown; code?: unknown }
  return name === 'LoginError' && isLoginErrorCode(code)
}

const keepLoginErrorCode = (key: string, value: unknown): boolean => key === 'code' && isLoginErrorCode(value)

function binaryLength(value: unknown): number | undefined {
  if (value instanceof ArrayBuffer) return value.byteLength
  if (ArrayBuffer.isView(value)) return value.byteLength
  return undefined
}

class RedactionWalk {
  /** Strings found under secret keys during this walk. */
  readonly found = new Set<string>()
  private readonly ancestors = new Set<object>()

  constructor(
    private readonly isSecret: (key: string) => boolean,
    private readonly maxDepth: number,
  ) {}

  /** Returns `undefined` where JSON would leave the value out. */
  copy(value: unknown, key: string, depth: number, trusted = false): Redacted | undefined {
    if (!trusted && key !== '' && this.isSecret(key)) {
      if (value === null || value === undefined) return value as null | undefined
      this.collect(value, 0)
      return REDACTED
    }
    switch (typeof value) {
      case 'string':
      case 'boolean':
        return value
      case 'number':
        return Number.isFinite(value) ? value : null
      case 'bigint':
        return value.toString()
      case 'function':
        return describeFunction(value)
      case 'undefined':
      case 'symbol':
        return undefined
    }
    if (value === null) return null
    const object = value as object
    if (this.ancestors.has(object)) return CIRCULAR
    if (depth >= this.maxDepth) return TRUNCATED
    this.ancestors.add(object)
    try {
      return this.copyObject(object, depth)
    } catch {
      // A throwing getter or proxy: leave the value out rather than the whole event.
      return '[unserializable]'
    } finally {
      this.ancestors.delete(object)
    }
  }

  private copyObject(object: object, depth: number): Redacted | undefined {
    if (isLoginError(object)) {
      // A LoginError's `code` is one of a fixed list of failure names, never a secret;
      // its JSON form is documented as secret-free. The message still gets scrubbed.
      const { retryAfterMs, ...rest } = object.toJSON()
      return retryAfterMs === undefined ? { ...rest } : { ...rest, retryAfterMs }
    }
    if (object instanceof Error) {
      // Only name and message: other fields and `cause` may carry a raw response.
      return { name: object.name, message: object.message }
    }
    const bytes = binaryLength(object)
    if (bytes !== undefined) return `[binary ${bytes} bytes]`
    const toJSON = (object as { toJSON?: unknown }).toJSON
    if (typeof toJSON === 'function') {
      let json: unknown
      try {
        json = toJSON.call(object)
      } catch {
        return '[unserializable]'
      }
      if (json === object) return this.copyEntries(Object.entries(object), depth)
      // toJSON may return a new object holding the same live values: walk it at the same depth.
      if (typeof json === 'object' && json !== null && this.ancestors.has(json)) return CIRCULAR
      return this.copy(json, '', depth)
    }
    if (Array.isArray(object)) {
      // `[name, value]`, as headers go into `new Headers()` or come out of `Object.entries()`:
      // the value is judged by the name beside it.
      if (object.length === 2 && typeof object[0] === 'string') return [object[0], this.copy(object[1], object[0], depth + 1) ?? null]
      return object.map((item) => this.copy(item, '', depth + 1) ?? null)
    }
    if (object instanceof Map) {
      return this.copyEntries(
        Array.from(object.entries(), ([k, v]) => [String(k), v] as const),
        depth,
      )
    }
    if (object instanceof Set) {
      return Array.from(object, (item) => this.copy(item, '', depth + 1) ?? null)
    }
    if (isLoginErrorJson(object)) return this.copyEntries(Object.entries(object), depth, keepLoginErrorCode)
    return this.copyEntries(Object.entries(object), depth)
  }

  private copyEntries(
    entries: ReadonlyArray<readonly [string, unknown]>,
    depth: number,
    isTrusted?: (key: string, value: unknown) => boolean,
  ): { [key: string]: Redacted } {
    const copy: { [key: string]: Redacted } = {}
    for (const [key, item] of entries) {
      const redacted = this.copy(item, key, depth + 1, isTrusted?.(key, item) ?? false)
      if (redacted !== undefined) copy[key] = redacted
    }
    return copy
  }

  /** Remembers every string inside a secret value, so it can be scrubbed from free text. */
  private collect(value: unknown, depth: number): void {
    if (typeof value === 'string') {
      if (value.length >= MIN_SCRUBBED_SECRET_LENGTH) this.found.add(value)
      return
    }
    if (typeof value !== 'object' || value === null || depth >= this.maxDepth) return
    if (this.ancestors.has(value)) return
    this.ancestors.add(value)
    try {
      // A Map's or a Set's items are not own properties.
      const items = value instanceof Map || value instanceof Set ? Array.from(value.values()) : Object.values(value)
      for (const item of items) this.collect(item, depth + 1)
    } finally {
      this.ancestors.delete(value)
    }
  }
}

function scrubString(text: string, secrets: readonly string[]): string {
  let result = text
  for (const secret of secrets) {
    if (result.includes(secret)) result = result.split(secret).join(REDACTED)
  }
  return result
}

/** Replaces known secret values inside every string and key of already-copied data. */
function scrub(value: Redacted, secrets: readonly string[]): Redacted {
  if (typeof value === 'string') return scrubString(value, secrets)
  if (Array.isArray(value)) return value.map((item) => scrub(item, secrets))
  if (typeof value === 'object' && value !== null) {
    const copy: { [key: string]: Redacted } = {}
    for (const [key, item] of Object.entries(value)) copy[scrubString(key, secrets)] = scrub(item, secrets)
    return copy
  }
  return value
}

function validateOptions(options: RedactOptions): void {
  if (options.maxDepth !== undefined && !(Number.isInteger(options.maxDepth) && options.maxDepth >= 1)) {
    throw new TypeError(`redact: maxDepth must be a whole number of at least 1, got ${String(options.maxDepth)}`)
  }
  if (options.keys !== undefined && !(Array.isArray(options.keys) && options.keys.every((k) => typeof k === 'string'))) {
    throw new TypeError('redact: keys must be an array of strings')
  }
  if (options.secrets !== undefined && !(Array.isArray(options.secrets) && options.secrets.every((s) => typeof s === 'string'))) {
    throw new TypeError('redact: secrets must be an array of strings')
  }
}

export type Redactor = (value: unknown) => Redacted | undefined

/**
 * A redactor that remembers the secret values it has met (the last 64) and
 * scrubs them from the strings of every later value it redacts: a token seen
 * in `context.session.token` stays hidden when a later error message quotes it.
 */
export function createRedactor(options: RedactOptions = {}): Redactor {
  validateOptions(options)
  const extraKeys = new Set((options.keys ?? []).map(normalizeKey))
  const isSecret = (key: string): boolean => isSecretKey(key) || extraKeys.has(normalizeKey(key))
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH
  const remembered = new Set<string>()
  const remember = (secret: string): void => {
    if (secret.length < MIN_SCRUBBED_SECRET_LENGTH) return
    remembered.delete(secret)
    remembered.add(secret)
    if (remembered.size > REMEMBERED_SECRETS) {
      const oldest = remembered.values().next().value
      if (oldest !== undefined) remembered.delete(oldest)
    }
  }
  const fixed = (options.secrets ?? []).filter((secret) => secret.length > 0)

  return (value) => {
    const walk = new RedactionWalk(isSecret, maxDepth)
    const copy = walk.copy(value, '', 0)
    for (const secret of walk.found) remember(secret)
    if (copy === undefined) return undefined
    // Longest first, so a secret that contains another is replaced whole.
    const secrets = [...fixed, ...remembered].sort((a, b) => b.length - a.length)
    return secrets.length === 0 ? copy : scrub(copy, secrets)
  }
}

/**
 * A redacted, JSON-safe deep copy of `value`; `value` itself is not touched.
 * The result goes straight into `JSON.stringify`; it is `undefined` only when
 * `value` is `undefined` or a symbol (which JSON leaves out).
 */
export function redact(value: unknown, options: RedactOptions = {}): Redacted | undefined {
  return createRedactor(options)(value)
}

/**
 * A JSON-safe copy with no redaction at all, for trusted static data such as
 * a machine definition (functions become `{ type: name }`, as
 * `@statelyai/inspect` writes them).
 */
export function copyJsonSafe(value: unknown, maxDepth: number): Redacted | undefined {
  return new RedactionWalk(() => false, maxDepth).copy(value, '', 0)
}
