import type { StorageLimits } from './types.ts'
import { WxApiError, wxTypeName } from './wx-api-error.ts'

export const WECHAT_STORAGE_LIMITS: StorageLimits = {
  perKeyBytes: 1024 * 1024,
  totalBytes: 10 * 1024 * 1024,
}

function requireKey(api: string, key: unknown): string {
  if (typeof key !== 'string') {
    throw new WxApiError(`${api}:fail parameter error: parameter.key should be String instead of ${wxTypeName(key)};`)
  }
  return key
}

/**
 * The stored form of `data`, as WeChat storage keeps it: primitives and
 * `Date`s as they are, anything else through JSON (so the stored value is a
 * copy, and functions, `undefined` members and class identities are lost).
 */
function toStoredValue(data: unknown): unknown {
  if (data === null || data === undefined) return data
  if (data instanceof Date) return new Date(data.getTime())
  switch (typeof data) {
    case 'string':
    case 'number':
    case 'boolean':
      return data
    case 'function':
    case 'symbol':
      return undefined
    default: {
      let json: string | undefined
      try {
        json = JSON.stringify(data)
      } catch (error) {
        throw new WxApiError(`setStorageSync:fail data cannot be serialized: ${error instanceof Error ? error.message : String(error)}`, {
          cause: error,
        })
      }
      return json === undefined ? undefined : (JSON.parse(json) as unknown)
    }
  }
}

/** Bytes a stored value takes (its JSON, as WeChat measures data length). */
function storedSize(key: string, value: unknown): number {
  const json = value === undefined ? '' : (JSON.stringify(value) ?? '')
  return Buffer.byteLength(key) + Buffer.byteLength(json)
}

/** A fresh copy of a stored value, so that callers never share it with the storage. */
function copyOut(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value
  if (value instanceof Date) return new Date(value.getTime())
  try {
    return structuredClone(value)
  } catch (error) {
    throw new WxApiError('getStorageSync:fail the stored value cannot be copied', { cause: error })
  }
}

/** `wx.*StorageSync` over a Map that outlives any one simulated wx. */
export class SimulatedStorage {
  readonly map: Map<string, unknown>
  readonly #limits: StorageLimits
  full = false

  constructor(map: Map<string, unknown>, limits: StorageLimits) {
    this.map = map
    this.#limits = limits
  }

  /** The stored value, or `''` when there is none (as WeChat answers). */
  get(key: unknown): unknown {
    const name = requireKey('getStorageSync', key)
    if (!this.map.has(name)) return ''
    return copyOut(this.map.get(name))
  }

  set(key: unknown, data: unknown): void {
    const name = requireKey('setStorageSync', key)
    const value = toStoredValue(data)
    if (this.full) throw this.#quotaExceeded()
    const size = storedSize(name, value)
    if (size > this.#limits.perKeyBytes) throw new WxApiError('setStorageSync:fail entry size limit reached')
    let total = size
    for (const [otherKey, otherValue] of this.map) {
      if (otherKey !== name) total += storedSize(otherKey, otherValue)
    }
    if (total > this.#limits.totalBytes) throw this.#quotaExceeded()
    this.map.set(name, value)
  }

  remove(key: unknown): void {
    this.map.delete(requireKey('removeStorageSync', key))
  }

  #quotaExceeded(): WxApiError {
    const megabytes = Math.round((this.#limits.totalBytes / (1024 * 1024)) * 100) / 100
    return new WxApiError(`setStorageSync:fail exceed storage max size ${megabytes}MB`)
  }
}
