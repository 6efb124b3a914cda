/**
 * How a store keeps `session_key` at rest: sealed with a `SecretBox` (bound
 * to the session's token hash), or, when told so explicitly, in plaintext. A
 * value that does not open (another key, a retired key, plaintext where a
 * sealed value belongs, or the other way round) reads as no session: the user
 * logs in again and gets a session sealed under the current key.
 */
import { isSecretBoxError } from '../secret-box/index.ts'
import type { SecretBox } from '../secret-box/index.ts'

/** `SecretBox`: sealed. `false`: plaintext, by choice. `undefined`: plaintext outside production, refused in production. */
export type SessionKeyEncryption = SecretBox | false

export interface SessionKeyCodec {
  /** `true` when session_keys are sealed. */
  readonly sealed: boolean
  seal(sessionKey: string, tokenHash: string): string
  /** The session_key, or `undefined` when the stored value cannot be read with this configuration. */
  open(stored: string, tokenHash: string): string | undefined
}

/** What the sealed value is bound to: the one session it belongs to. */
const contextFor = (tokenHash: string): string => `session_key:${tokenHash}`

/** Sealed values start `v1.` and have dots; a WeChat session_key is base64 and never does. */
const looksSealed = (value: string): boolean => value.includes('.')

function isSecretBox(value: unknown): value is SecretBox {
  const box = value as Partial<SecretBox> | null
  return typeof box === 'object' && box !== null && typeof box.seal === 'function' && typeof box.open === 'function'
}

export function sessionKeyCodec(option: SessionKeyEncryption | undefined, caller: string, env = process.env): SessionKeyCodec {
  if (option === undefined && env['NODE_ENV'] === 'production') {
    throw new TypeError(
      `${caller}: NODE_ENV is production and no encryption is configured: session_keys would be stored in plaintext. ` +
        'Pass encryption: createSecretBox(parseSecretBoxKeys(...)), or encryption: false to store them in plaintext on purpose',
    )
  }
  if (option === undefined || option === false) {
    return {
      sealed: false,
      seal: (sessionKey) => sessionKey,
      open: (stored) => (looksSealed(stored) ? undefined : stored),
    }
  }
  if (!isSecretBox(option)) throw new TypeError(`${caller}: encryption must be a SecretBox (createSecretBox) or false`)
  const box = option
  return {
    sealed: true,
    seal: (sessionKey, tokenHash) => box.seal(sessionKey, contextFor(tokenHash)),
    open(stored, tokenHash) {
      if (!looksSealed(stored)) return undefined
      try {
        return box.open(stored, contextFor(tokenHash))
      } catch (error) {
        if (isSecretBoxError(error)) return undefined
        throw error
      }
    },
  }
}
