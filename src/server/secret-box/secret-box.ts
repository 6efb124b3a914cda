/**
 * Sealing small secrets for storage: AES-256-GCM under one of several named
 * keys. `seal` always uses the current key and writes its id into the sealed
 * text, so `open` finds the right key after a rotation. The `context` string
 * (what the secret belongs to, say a session's token hash) is authenticated
 * with the ciphertext: a sealed value copied onto another record does not open.
 *
 * Sealed form: `v1.<keyId>.<iv>.<ciphertext+tag>` (iv and ciphertext base64url).
 * Neither errors nor `inspect` show key material or plaintext.
 */
import { createCipheriv, createDecipheriv, createSecretKey, randomBytes } from 'node:crypto'
import type { KeyObject } from 'node:crypto'

const VERSION = 'v1'
const KEY_BYTES = 32
const IV_BYTES = 12
const TAG_BYTES = 16
const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/
const BASE64URL = /^[A-Za-z0-9_-]+$/
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

export interface SecretBoxKey {
  /** Names the key inside every value it seals: 1 to 32 of `A-Z a-z 0-9 _ -`. */
  id: string
  /** 32 bytes, or their base64 (standard or url-safe). */
  key: Uint8Array | string
}

export interface SecretBoxOptions {
  /** Every key that may have sealed a stored value; the current one seals new values. */
  keys: readonly SecretBoxKey[]
  /** The id of the key that seals. Default: the first key. */
  currentKeyId?: string
}

export type SecretBoxFailure =
  /** Not a value this module sealed (or sealed by a newer version). */
  | 'malformed'
  /** Sealed under a key id the box does not hold (retired, or another deployment's). */
  | 'unknown_key'
  /** The key, the context or the bytes do not match: a wrong key, a moved value or tampering. */
  | 'not_authentic'

export class SecretBoxError extends Error {
  override readonly name = 'SecretBoxError'

  constructor(
    readonly failure: SecretBoxFailure,
    message: string,
  ) {
    super(message)
  }
}

export function isSecretBoxError(value: unknown): value is SecretBoxError {
  return value instanceof SecretBoxError
}

export interface SecretBox {
  /** The key that seals. */
  readonly currentKeyId: string
  /** Every key id the box opens. */
  readonly keyIds: readonly string[]
  /** Seals `plaintext` for `context` under the current key. */
  seal(plaintext: string, context: string): string
  /** The plaintext of a value sealed for `context`; throws `SecretBoxError` otherwise. */
  open(sealed: string, context: string): string
  /** The key id written in a sealed value, or `undefined` when it is not one. */
  keyIdOf(sealed: string): string | undefined
}

function keyBytes(key: Uint8Array | string, id: string): Buffer {
  let bytes: Buffer | undefined
  if (typeof key === 'string') {
    const standard = key.replace(/-/g, '+').replace(/_/g, '/')
    const padded = standard + '='.repeat((4 - (standard.length % 4)) % 4)
    if (BASE64.test(padded)) bytes = Buffer.from(padded, 'base64')
  } else if (key instanceof Uint8Array) {
    bytes = Buffer.from(key)
  }
  if (bytes?.length !== KEY_BYTES) {
    throw new TypeError(`createSecretBox: key "${id}" must be ${KEY_BYTES} bytes (or their base64)`)
  }
  return bytes
}

/** Binds the version, the key id and the caller's context to the ciphertext. */
function associatedData(keyId: string, context: string): Buffer {
  return Buffer.from(`miniprogram-login/secret-box/${VERSION}\u0000${keyId}\u0000${context}`, 'utf8')
}

interface Parsed {
  keyId: string
  iv: Buffer
  ciphertext: Buffer
  tag: Buffer
}

function parse(sealed: unknown): Parsed | undefined {
  if (typeof sealed !== 'string') return undefined
  const parts = sealed.split('.')
  if (parts.length !== 4 || parts[0] !== VERSION) return undefined
  const [, keyId = '', ivText = '', bodyText = ''] = parts
  if (!KEY_ID_PATTERN.test(keyId) || !BASE64URL.test(ivText) || !BASE64URL.test(bodyText)) return undefined
  const iv = Buffer.from(ivText, 'base64url')
  const body = Buffer.from(bodyText, 'base64url')
  if (iv.length !== IV_BYTES || body.length < TAG_BYTES) return undefined
  return { keyId, iv, ciphertext: body.subarray(0, body.length - TAG_BYTES), tag: body.subarray(body.length - TAG_BYTES) }
}

export function createSecretBox(options: SecretBoxOptions): SecretBox {
  if (typeof options !== 'object' || options === null || !Array.isArray(options.keys) || options.keys.length === 0) {
    throw new TypeError('createSecretBox: keys must list at least one { id, key }')
  }
  const keys = new Map<string, KeyObject>()
  for (const entry of options.keys) {
    const id = (entry as Partial<SecretBoxKey> | null)?.id
    if (typeof id !== 'string' || !KEY_ID_PATTERN.test(id)) {
      throw new TypeError('createSecretBox: every key id must be 1 to 32 of A-Z a-z 0-9 _ -')
    }
    if (keys.has(id)) throw new TypeError(`createSecretBox: key id "${id}" is listed twice`)
    keys.set(id, createSecretKey(keyBytes(entry.key, id)))
  }
  const currentKeyId = options.currentKeyId ?? options.keys[0]!.id
  const currentKey = keys.get(currentKeyId)
  if (currentKey === undefined) throw new TypeError(`createSecretBox: currentKeyId "${currentKeyId}" is not among the keys`)
  const keyIds = Object.freeze([...keys.keys()])

  return Object.freeze({
    currentKeyId,
    keyIds,

    seal(plaintext: string, context: string): string {
      if (typeof plaintext !== 'string') throw new TypeError('secretBox.seal: plaintext must be a string')
      if (typeof context !== 'string') throw new TypeError('secretBox.seal: context must be a string')
      const iv = randomBytes(IV_BYTES)
      const cipher = createCipheriv('aes-256-gcm', currentKey, iv, { authTagLength: TAG_BYTES })
      cipher.setAAD(associatedData(currentKeyId, context))
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
      const body = Buffer.concat([ciphertext, cipher.getAuthTag()])
      return `${VERSION}.${currentKeyId}.${iv.toString('base64url')}.${body.toString('base64url')}`
    },

    open(sealed: string, context: string): string {
      if (typeof context !== 'string') throw new TypeError('secretBox.open: context must be a string')
      const parsed = parse(sealed)
      if (parsed === undefined) throw new SecretBoxError('malformed', 'the value is not a sealed secret')
      const key = keys.get(parsed.keyId)
      if (key === undefined)
        throw new SecretBoxError('unknown_key', `the value was sealed under key "${parsed.keyId}", which this box does not hold`)
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, parsed.iv, { authTagLength: TAG_BYTES })
        decipher.setAAD(associatedData(parsed.keyId, context))
        decipher.setAuthTag(parsed.tag)
        return Buffer.concat([decipher.update(parsed.ciphertext), decipher.final()]).toString('utf8')
      } catch {
        throw new SecretBoxError('not_authentic', 'the sealed value does not open with this key and context')
      }
    },

    keyIdOf(sealed: string): string | undefined {
      return parse(sealed)?.keyId
    },
  })
}

/** 32 fresh random bytes, base64: a key for `createSecretBox`. */
export function generateSecretBoxKey(): string {
  return randomBytes(KEY_BYTES).toString('base64')
}
