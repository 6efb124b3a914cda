import { createCipheriv, randomBytes } from 'node:crypto'

export interface EncryptedUserData {
  /** base64 of the AES-128-CBC ciphertext. */
  encryptedData: string
  /** base64 of the 16-byte initialisation vector. */
  iv: string
}

/**
 * Encrypts user data the way WeChat does for `wx.getUserProfile`,
 * `getPhoneNumber` and friends: the JSON of the data with a
 * `watermark: { timestamp, appid }` added, AES-128-CBC with PKCS#7 padding,
 * key = the base64-decoded session_key, a random 16-byte IV.
 */
export function encryptUserData(
  sessionKey: string,
  appId: string,
  data: Record<string, unknown>,
  timestampSeconds: number,
): EncryptedUserData {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new TypeError('encryptForUser: data must be a plain object')
  }
  const key = Buffer.from(sessionKey, 'base64')
  if (key.length !== 16) throw new RangeError('encryptForUser: the session_key does not decode to 16 bytes')
  const iv = randomBytes(16)
  const plaintext = JSON.stringify({ ...data, watermark: { timestamp: timestampSeconds, appid: appId } })
  const cipher = createCipheriv('aes-128-cbc', key, iv)
  const encrypted = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
  return { encryptedData: encrypted.toString('base64'), iv: iv.toString('base64') }
}
