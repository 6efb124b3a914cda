/**
 * The server's one SHA-256: lowercase hex of the UTF-8 text. Session tokens
 * (hashed on every session check), access_token fingerprints, session_key
 * verdicts and rate-limit keys of peers that are no IP address all use it.
 *
 * The one-shot `crypto.hash` (Node 20.12+) is used where there is one: it
 * makes no `Hash` object (a native handle and a stream the collector must
 * then reclaim) per call. Earlier Node 20 releases get the same digest from
 * `createHash`.
 */
import * as nodeCrypto from 'node:crypto'

export const sha256Hex: (text: string) => string =
  typeof nodeCrypto.hash === 'function'
    ? (text) => nodeCrypto.hash('sha256', text, 'hex')
    : (text) => nodeCrypto.createHash('sha256').update(text, 'utf8').digest('hex')
