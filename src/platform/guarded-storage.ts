import { LoginError } from '../contract/index.ts'
import { failureText } from './failure-text.ts'
import type { PlatformStorage } from './types.ts'

/** A platform's synchronous storage calls, with its own calling convention hidden. */
export interface RawStorage {
  /** Names the API family in messages, e.g. `wx` for `wx.getStorageSync`. */
  api: string
  get(key: string): unknown
  set(key: string, value: unknown): void
  remove(key: string): void
}

function checkKey(api: string, call: string, key: unknown): string {
  if (typeof key !== 'string' || key === '') {
    throw new LoginError('storage_error', `${api}.${call}: the key must be a non-empty string`)
  }
  return key
}

/**
 * Wraps a platform's storage so it honours `PlatformStorage`: a missing key
 * (see `isAbsentValue`) reads as `undefined`, and any failure (storage full,
 * a broken value, a bad key) throws `LoginError('storage_error')` with the
 * platform's failure text, the stored value redacted from it, and the
 * original error as `cause`.
 */
export function guardedStorage(raw: RawStorage): PlatformStorage {
  const { api } = raw
  const fail = (call: string, key: string, cause: unknown, value?: unknown): LoginError =>
    new LoginError('storage_error', `${api}.${call}('${key}') failed: ${failureText(cause, value)}`, { cause })
  return {
    get(key) {
      const checked = checkKey(api, 'getStorageSync', key)
      let value: unknown
      try {
        value = raw.get(checked)
      } catch (cause) {
        throw fail('getStorageSync', checked, cause)
      }
      return isAbsentValue(value) ? undefined : value
    },
    set(key, value) {
      const checked = checkKey(api, 'setStorageSync', key)
      if (value === undefined) {
        throw new LoginError('storage_error', `${api}.setStorageSync('${checked}'): undefined cannot be stored; use remove()`)
      }
      try {
        raw.set(checked, value)
      } catch (cause) {
        throw fail('setStorageSync', checked, cause, value)
      }
    },
    remove(key) {
      const checked = checkKey(api, 'removeStorageSync', key)
      try {
        raw.remove(checked)
      } catch (cause) {
        throw fail('removeStorageSync', checked, cause)
      }
    },
  }
}

/**
 * Whether a value read back means "no such key": `''` is what WeChat-style
 * `getStorageSync` answers for a key it does not hold, `null` what Alipay's
 * does; `undefined` is treated the same.
 */
function isAbsentValue(value: unknown): boolean {
  return value === '' || value === undefined || value === null
}
