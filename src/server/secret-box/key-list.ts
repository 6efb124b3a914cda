/**
 * Keys as configuration text, for an environment variable or a secret
 * manager: `id:base64key[,id:base64key...]`, the first one current. To rotate,
 * put a new key first and keep the old ones listed for as long as values
 * sealed under them may be read (a session store: one session lifetime).
 */
import type { SecretBoxOptions } from './secret-box.ts'

export function parseSecretBoxKeys(text: string): SecretBoxOptions {
  if (typeof text !== 'string' || text.trim() === '') {
    throw new TypeError('secret box keys: expected "id:base64key[,id:base64key...]"')
  }
  const keys = text.split(',').map((entry, index) => {
    const trimmed = entry.trim()
    const colon = trimmed.indexOf(':')
    // The key itself is never quoted: only its position.
    if (colon <= 0 || colon === trimmed.length - 1) {
      throw new TypeError(`secret box keys: entry ${index + 1} must be "id:base64key"`)
    }
    return { id: trimmed.slice(0, colon), key: trimmed.slice(colon + 1) }
  })
  return { keys }
}
