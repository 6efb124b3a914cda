/**
 * Sealing secrets at rest (AES-256-GCM, named keys for rotation). The session
 * stores seal each session_key with it; anything else the server keeps that
 * must not be readable from a leaked database (a per-user session_key, an
 * access_token) uses the same box.
 */
export { createSecretBox, generateSecretBoxKey, isSecretBoxError, SecretBoxError } from './secret-box.ts'
export type { SecretBox, SecretBoxFailure, SecretBoxKey, SecretBoxOptions } from './secret-box.ts'
export { parseSecretBoxKeys } from './key-list.ts'
