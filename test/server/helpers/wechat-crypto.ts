/** The encryption side of WeChat's `encryptedData`, done independently of the code under test. */
import { createCipheriv, randomBytes } from 'node:crypto'

export function randomSessionKey(): string {
  return randomBytes(16).toString('base64')
}

export function randomIv(): string {
  return randomBytes(16).toString('base64')
}

/** AES-128-CBC with PKCS#7 padding of `plaintext`; key and iv are base64. */
export function encryptPlaintext(sessionKey: string, plaintext: Buffer | string, iv: string): string {
  const cipher = createCipheriv('aes-128-cbc', Buffer.from(sessionKey, 'base64'), Buffer.from(iv, 'base64'))
  return Buffer.concat([cipher.update(plaintext), cipher.final()]).toString('base64')
}

/** Encrypts whole blocks with no padding at all, to forge bad padding. */
export function encryptRawBlocks(sessionKey: string, blocks: Buffer, iv: string): string {
  const cipher = createCipheriv('aes-128-cbc', Buffer.from(sessionKey, 'base64'), Buffer.from(iv, 'base64'))
  cipher.setAutoPadding(false)
  return Buffer.concat([cipher.update(blocks), cipher.final()]).toString('base64')
}

export function encryptData(sessionKey: string, data: unknown, iv: string): string {
  return encryptPlaintext(sessionKey, JSON.stringify(data), iv)
}
