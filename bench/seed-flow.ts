/**
 * The baseline: the login flow of the project's seed (`login-flow.md`),
 * written plainly with promises over the same `Platform` and `SessionServer`
 * the client uses, so both run against identical simulated services.
 *
 * Like the seed it is strictly sequential: stored session? → `wx.checkSession`
 * → developer-server check → otherwise `wx.login` → server login → store. Any
 * failure of a check counts as "expired". It has no single flight, no step
 * timeouts of its own and no retries.
 *
 * One fix over the seed: every path settles. The seed's promise never
 * settled when the re-login after a failed check failed, or when the server
 * login failed (it showed a toast and stopped); here those reject with the
 * `LoginError`.
 *
 * `request()` is not in the seed; it is the plain wrapper people write next
 * to it (send with the stored token, logging in first only when nothing is
 * stored; on a 401, drop the stored session, log in again, replay once),
 * used as the baseline for concurrent 401s.
 */
import { LoginError, toLoginError } from '../src/contract/index.ts'
import type { Platform, PlatformRequestOptions, PlatformResponse } from '../src/platform/types.ts'
import { isSessionShape } from '../src/contract/index.ts'
import type { Session, SessionServer } from '../src/client/http-session-server/types.ts'

/** The storage key the seed uses. */
export const SEED_STORAGE_KEY = 'sessionKey'

export interface SeedFlowOptions {
  platform: Platform
  server: SessionServer
  storageKey?: string
  /** Handed to `platform.login`. Default 10 000 ms. */
  loginTimeoutMs?: number
}

export interface SeedFlow {
  /** The seed's `login()`, resolving with the session it ends up with. */
  login(): Promise<Session>
  /** An API request with the token; on a 401 logs in again and replays once. */
  request(options: PlatformRequestOptions): Promise<PlatformResponse>
}

export function createSeedFlow(options: SeedFlowOptions): SeedFlow {
  const { platform, server } = options
  const storageKey = options.storageKey ?? SEED_STORAGE_KEY
  const loginTimeoutMs = options.loginTimeoutMs ?? 10_000

  function storedSession(): Session | null {
    const stored = platform.storage.get(storageKey)
    return isSessionShape(stored) ? stored : null
  }

  /** `_wxLogin` then `_serLogin`, storing what the server answered. */
  function freshLogin(): Promise<Session> {
    return platform
      .login({ timeout: loginTimeoutMs })
      .then(({ code }) => server.login(code))
      .then((session) => {
        platform.storage.set(storageKey, session)
        return session
      })
  }

  function login(): Promise<Session> {
    return new Promise<Session>((resolve, reject) => {
      const fail = (error: unknown) => reject(toLoginError(error))
      let stored: Session | null
      try {
        stored = storedSession()
      } catch (error) {
        reject(toLoginError(error, 'storage_error'))
        return
      }
      if (stored) {
        platform
          .checkSession()
          .then(() => server.check(stored))
          .then((valid) => {
            if (!valid) throw new LoginError('unauthorized', 'the developer server session expired')
            resolve(stored)
          })
          .catch(() => freshLogin().then(resolve, fail))
      } else {
        freshLogin().then(resolve, fail)
      }
    })
  }

  function withToken(request: PlatformRequestOptions, session: Session): PlatformRequestOptions {
    return { ...request, header: { ...request.header, Authorization: `Bearer ${session.token}` } }
  }

  async function request(options: PlatformRequestOptions): Promise<PlatformResponse> {
    const session = storedSession() ?? (await login())
    const first = await platform.request(withToken(options, session))
    if (first.statusCode !== 401) return first
    platform.storage.remove(storageKey)
    const fresh = await login()
    const replay = await platform.request(withToken(options, fresh))
    if (replay.statusCode === 401)
      throw new LoginError('unauthorized', `${options.method ?? 'GET'} ${options.url} was refused (401) after a fresh login`)
    return replay
  }

  return { login, request }
}
