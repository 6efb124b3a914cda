/** What the Redis store's parts share: the connection's helpers, the key layout and the secret codec. */
import type { RedisConnection } from './redis-connection.ts'
import type { RedisKeys } from './redis-keys.ts'
import type { Script } from './redis-scripts.ts'
import type { SecretCodec } from './session-key-codec.ts'

export interface RedisStoreContext {
  client: RedisConnection
  keys: RedisKeys
  codec: SecretCodec
  timeoutMs: number
  /** Runs `work` within the operation deadline; failures leave as `SessionStoreError`s. */
  run<T>(what: string, work: () => Promise<T>): Promise<T>
  evalScript(target: Script, keys: string[], args: Array<string | number>): Promise<unknown>
}

/** A write that reached Redis after its deadline and wrote nothing. */
export class WriteTooLate extends Error {
  override readonly name = 'WriteTooLate'
}

/** A hash field read back as a number: absent, or anything but a safe integer, is undefined. */
export function integerField(value: string | null | undefined): number | undefined {
  if (value === null || value === undefined) return undefined
  const parsed = Number(value)
  return Number.isSafeInteger(parsed) ? parsed : undefined
}
