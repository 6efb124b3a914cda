/**
 * A Platform and a SessionServer that answer at once (or as each test says),
 * counting every call. For tests that drive the client end to end in-process.
 */
import type { Platform, PlatformRequestOptions, PlatformResponse } from '../../src/platform/types.ts'
import type { Session, SessionServer } from '../../src/client/http-session-server/types.ts'

export interface FakeBehaviour {
  checkSession: () => Promise<void>
  login: (opts: { timeout: number }) => Promise<{ code: string }>
  serverLogin: (code: string) => Promise<Session>
  serverCheck: (session: Session) => Promise<boolean>
  serverLogout: (session: Session) => Promise<void>
  request: (options: PlatformRequestOptions) => Promise<PlatformResponse>
  storageGet: (key: string) => unknown
  storageSet: (key: string, value: unknown) => void
  storageRemove: (key: string) => void
}

export interface FakeServices {
  platform: Platform
  server: SessionServer
  storage: Map<string, unknown>
  counts: Record<keyof FakeBehaviour, number>
  behaviour: FakeBehaviour
  requests: PlatformRequestOptions[]
}

export const HOUR = 3_600_000

export function createFakeServices(overrides: Partial<FakeBehaviour> = {}): FakeServices {
  const storage = new Map<string, unknown>()
  const requests: PlatformRequestOptions[] = []
  let codes = 0
  let tokens = 0
  const behaviour: FakeBehaviour = {
    checkSession: async () => {},
    login: async () => ({ code: `code-${++codes}` }),
    // As the reference server answers: the expiry, and the life left (which tells the client the server's time).
    serverLogin: async () => ({ token: `token-${++tokens}`, expiresAt: Date.now() + HOUR, expiresIn: HOUR }),
    serverCheck: async () => true,
    serverLogout: async () => {},
    request: async () => ({ statusCode: 200, data: { ok: true } }),
    storageGet: (key) => storage.get(key),
    storageSet: (key, value) => {
      storage.set(key, structuredClone(value))
    },
    storageRemove: (key) => {
      storage.delete(key)
    },
    ...overrides,
  }
  const counts = Object.fromEntries(Object.keys(behaviour).map((k) => [k, 0])) as Record<keyof FakeBehaviour, number>
  const counted =
    <K extends keyof FakeBehaviour>(name: K) =>
    (...args: Parameters<FakeBehaviour[K]>): ReturnType<FakeBehaviour[K]> => {
      counts[name] += 1
      return (behaviour[name] as (...a: Parameters<FakeBehaviour[K]>) => ReturnType<FakeBehaviour[K]>)(...args)
    }
  return {
    storage,
    counts,
    behaviour,
    requests,
    platform: {
      checkSession: counted('checkSession'),
      login: counted('login'),
      request: (options) => {
        requests.push(options)
        return counted('request')(options)
      },
      storage: { get: counted('storageGet'), set: counted('storageSet'), remove: counted('storageRemove') },
    },
    server: {
      login: counted('serverLogin'),
      check: counted('serverCheck'),
      logout: counted('serverLogout'),
    },
  }
}

/** A promise that never settles: a callback WeChat never calls. */
export function never<T>(): Promise<T> {
  return new Promise<T>(() => {})
}
