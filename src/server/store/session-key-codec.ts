/**
 * How a store keeps its secrets at rest (session_keys, phone numbers, the
 * access_token): sealed with a `SecretBox`, each bound to what it belongs to
 * (its context), or, when told so explicitly, in plaintext. A value that does
 * not open (another key, a retired key, plaintext where a sealed value belongs,
 * or the other way round, or a value moved onto another record) reads as
 * absent: the user logs in again, the token is fetched again.
 */
import { isSecretBoxError } from '../secret-box/index.ts'
import type { SecretBox } from '../secret-box/index.ts'
import { assertPhoneNumber } from './record.ts'

/** `SecretBox`: sealed. `false`: plaintext, by choice. `undefined`: plaintext outside production, refused in production. */
export type SessionKeyEncryption = SecretBox | false

export interface SecretCodec {
  /** `true` when secrets are sealed. */
  readonly sealed: boolean
  seal(secret: string, context: string): string
  /** The secret, or `undefined` when the stored value cannot be read with this configuration. */
  open(stored: string, context: string): string | undefined
}

/** What each sealed value is bound to. */
export const SEALING_CONTEXTS = {
  /** A session_key kept in its session (before per-user keys; still read). */
  session: (tokenHash: string): string => `session_key:${tokenHash}`,
  /** The user's newest session_key. */
  userSessionKey: (openid: string): string => `user_session_key:${openid}`,
  /** The user's bound phone number (JSON). */
  userPhone: (openid: string): string => `user_phone:${openid}`,
  /** An app's access_token. */
  accessToken: (name: string): string => `access_token:${name}`,
} as const

/** The sealed form (`v1.<keyId>.<iv>.<ciphertext>`); no WeChat secret and no JSON looks like it. */
const SEALED_FORM = /^v1\.[A-Za-z0-9_-]{1,32}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/
const looksSealed = (value: string): boolean => SEALED_FORM.test(value)

function isSecretBox(value: unknown): value is SecretBox {
  const box = value as Partial<SecretBox> | null
  return typeof box === 'object' && box !== null && typeof box.seal === 'function' && typeof box.open === 'function'
}

export function secretCodec(option: SessionKeyEncryption | undefined, caller: string, env = process.env): SecretCodec {
  if (option === undefined && env['NODE_ENV'] === 'production') {
    throw new TypeError(
      `${caller}: NODE_ENV is production and no encryption is configured: session_keys would be stored in plaintext. ` +
        'Pass encryption: createSecretBox(parseSecretBoxKeys(...)), or encryption: false to store them in plaintext on purpose',
    )
  }
  if (option === undefined || option === false) {
    return {
      sealed: false,
      seal: (secret) => secret,
      open: (stored) => (looksSealed(stored) ? undefined : stored),
    }
  }
  if (!isSecretBox(option)) throw new TypeError(`${caller}: encryption must be a SecretBox (createSecretBox) or false`)
  const box = option
  return {
    sealed: true,
    seal: (secret, context) => box.seal(secret, context),
    open(stored, context) {
      if (!looksSealed(stored)) return undefined
      try {
        return box.open(stored, context)
      } catch (error) {
        if (isSecretBoxError(error)) return undefined
        throw error
      }
    },
  }
}

/**
 * A phone number as both stores keep it: checked, reduced to its three fields,
 * and sealed for its user (`SEALING_CONTEXTS.userPhone`). `parsePhone` reads it back.
 */
export function sealPhoneNumber(codec: SecretCodec, openid: string, phone: unknown, caller: string): string {
  assertPhoneNumber(phone, caller)
  const json = JSON.stringify({ phoneNumber: phone.phoneNumber, purePhoneNumber: phone.purePhoneNumber, countryCode: phone.countryCode })
  return codec.seal(json, SEALING_CONTEXTS.userPhone(openid))
}
