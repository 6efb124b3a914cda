/**
 * Decrypts the `encryptedData` a mini-program API hands the client (for
 * example `wx.getUserInfo`), as WeChat documents it: the AES-128-CBC key is
 * the base64-decoded `session_key`, the IV is the base64-decoded `iv`, the
 * padding is PKCS#7, the plaintext is JSON whose `watermark.appid` names the
 * mini-program the data was meant for.
 */
import { createDecipheriv } from 'node:crypto'

export type DecryptFailure =
  /** The session_key is not base64 of 16 bytes. */
  | 'invalid_key'
  /** The iv is not base64 of 16 bytes. */
  | 'invalid_iv'
  /** encryptedData is not base64 of a whole number of 16-byte blocks. */
  | 'invalid_data'
  /** The padding is wrong: almost always a key that does not belong to this data. */
  | 'bad_padding'
  /** Decrypted, but not a JSON object: also a sign of the wrong key. */
  | 'invalid_json'
  /** The data carries no watermark, or one for another appid. */
  | 'watermark_mismatch'

export class DecryptDataError extends Error {
  override readonly name = 'DecryptDataError'
  readonly failure: DecryptFailure

  constructor(failure: DecryptFailure, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.failure = failure
  }
}

export function isDecryptDataError(value: unknown): value is DecryptDataError {
  return value instanceof DecryptDataError
}

export interface WechatWatermark {
  appid: string
  timestamp?: number
}

/** The decrypted object; its other fields depend on the API that produced it. */
export interface DecryptedData {
  watermark: WechatWatermark
  [field: string]: unknown
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/
const AES_BLOCK_BYTES = 16

/** Strict base64: Buffer.from would silently skip characters that do not belong. */
function decodeBase64(value: unknown): Buffer | undefined {
  if (typeof value !== 'string' || value.length === 0 || !BASE64.test(value)) return undefined
  return Buffer.from(value, 'base64')
}

export function decryptData(sessionKey: string, encryptedData: string, iv: string, appId: string): DecryptedData {
  if (typeof appId !== 'string' || appId.length === 0) throw new TypeError('decryptData: appId must be a non-empty string')
  const key = decodeBase64(sessionKey)
  if (key?.length !== AES_BLOCK_BYTES) throw new DecryptDataError('invalid_key', 'the session key is not base64 of 16 bytes')
  const ivBytes = decodeBase64(iv)
  if (ivBytes?.length !== AES_BLOCK_BYTES) throw new DecryptDataError('invalid_iv', 'the iv is not base64 of 16 bytes')
  const ciphertext = decodeBase64(encryptedData)
  if (ciphertext === undefined || ciphertext.length === 0 || ciphertext.length % AES_BLOCK_BYTES !== 0) {
    throw new DecryptDataError('invalid_data', 'encryptedData is not base64 of whole 16-byte AES blocks')
  }

  let plaintext: Buffer
  try {
    const decipher = createDecipheriv('aes-128-cbc', key, ivBytes)
    decipher.setAutoPadding(true)
    plaintext = Buffer.concat([decipher.update(ciphertext), decipher.final()])
  } catch (error) {
    throw new DecryptDataError('bad_padding', 'the data does not decrypt with this session key (bad padding)', { cause: error })
  }

  let parsed: unknown
  try {
    parsed = JSON.parse(plaintext.toString('utf8'))
  } catch {
    throw new DecryptDataError(
      'invalid_json',
      'the decrypted data is not JSON; the session key is probably not the one it was encrypted with',
    )
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new DecryptDataError('invalid_json', 'the decrypted data is not a JSON object')
  }

  const watermark = (parsed as Record<string, unknown>)['watermark']
  const watermarkAppId = typeof watermark === 'object' && watermark !== null ? (watermark as Record<string, unknown>)['appid'] : undefined
  if (watermarkAppId !== appId) {
    throw new DecryptDataError(
      'watermark_mismatch',
      watermarkAppId === undefined ? 'the decrypted data has no watermark appid' : 'the decrypted data was issued for another appid',
    )
  }
  return parsed as DecryptedData
}
