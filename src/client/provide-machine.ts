import { fromPromise } from 'xstate'
import { loginMachine } from '../../machines/index.ts'
import { LoginError, backoffDelay, toLoginError } from '../contract/index.ts'
import type { Platform } from '../platform/types.ts'
import { toSession } from '../contract/index.ts'
import type { Session, SessionServer } from './http-session-server/types.ts'
import type { ClientEvents } from './client-events.ts'
import { settledOrAfter } from './settled-or-after.ts'
import { readStoredSession, removeStoredSession, writeStoredSession } from './session-storage.ts'

export interface MachineImplementationDeps {
  platform: Platform
  server: SessionServer
  storageKey: string
  events: ClientEvents
  /** Jitter source for the retry backoff, in [0, 1). */
  random: () => number
  /** Called with the server logout in flight, so `logout()` can wait for it. */
  onServerLogout: (pending: Promise<void>) => void
}

/**
 * The login machine with its side effects wired to a platform, a developer
 * server and storage. Every failure leaves here as a `LoginError`.
 */
export function provideLoginMachine(deps: MachineImplementationDeps) {
  const { platform, server, storageKey, events } = deps
  // The machine may leave wxLogin (a timeout, a logout) while wx.login is still
  // running in the WeChat client, and cannot cancel it. Each wx.login may rotate
  // the user's session_key, so a new one starts only once the last has settled:
  // at most one wx.login is ever in flight. A platform settles every call within
  // the timeout it was given; with a broken one that does not, later tries end in
  // `timeout` rather than start a second call.
  let wxLoginRunning: Promise<void> | null = null

  return loginMachine.provide({
    actors: {
      readSession: fromPromise(() => readStoredSession(platform.storage, storageKey)),
      checkWxSession: fromPromise(async () => {
        await platform.checkSession()
      }),
      checkServerSession: fromPromise(async ({ input }: { input: { session: Session } }) => {
        try {
          return await server.check(input.session)
        } catch (error) {
          throw toLoginError(error)
        }
      }),
      wxLogin: fromPromise(async ({ input, signal }: { input: { timeout: number }; signal: { readonly aborted: boolean } }) => {
        try {
          const giveUpAt = Date.now() + input.timeout
          while (wxLoginRunning) {
            const remaining = giveUpAt - Date.now()
            if (remaining <= 0) throw new LoginError('timeout', 'an earlier wx.login has not answered yet')
            await settledOrAfter(wxLoginRunning, remaining)
          }
          // The machine moved on while this call waited its turn: no wx.login is needed.
          if (signal.aborted) throw new LoginError('aborted', 'wx.login was no longer needed')
          const call = platform.login({ timeout: input.timeout })
          const running: Promise<void> = call.then(ignore, ignore).then(() => {
            if (wxLoginRunning === running) wxLoginRunning = null
          })
          wxLoginRunning = running
          const { code } = await call
          if (typeof code !== 'string' || code.length === 0) throw new Error('wx.login answered without a code')
          return { code }
        } catch (error) {
          throw toLoginError(error, 'wx_login_failed')
        }
      }),
      serverLogin: fromPromise(async ({ input }: { input: { code: string } }) => {
        let answer: unknown
        try {
          answer = await server.login(input.code)
        } catch (error) {
          throw toLoginError(error)
        }
        return toSession(answer)
      }),
    },
    actions: {
      persistSession: (_, params: { session: Session; confirmedAt: number }) => {
        try {
          writeStoredSession(platform.storage, storageKey, { ...params.session, confirmedAt: params.confirmedAt })
        } catch (error) {
          // The user is logged in for this run of the app; only the next launch will have to log in again.
          events.emit({ type: 'storage_error', operation: 'write', error: toLoginError(error, 'storage_error') })
        }
      },
      clearSession: () => {
        try {
          removeStoredSession(platform.storage, storageKey)
        } catch (error) {
          events.emit({ type: 'storage_error', operation: 'remove', error: toLoginError(error, 'storage_error') })
        }
      },
      notifyServerLogout: (_, params: { session: Session | null }) => {
        const { session } = params
        const logout = server.logout?.bind(server)
        if (!session || !logout) return
        const pending = Promise.resolve()
          .then(() => logout(session))
          .catch((error: unknown) => {
            events.emit({ type: 'logout_error', error: toLoginError(error) })
          })
        deps.onServerLogout(pending)
      },
    },
    delays: {
      retryBackoff: ({ context }) =>
        backoffDelay({
          attempt: context.attempt,
          policy: context.retry,
          retryAfterMs: context.error?.retryAfterMs,
          random: deps.random(),
        }),
    },
  })
}

function ignore(): void {}

export type ProvidedLoginMachine = ReturnType<typeof provideLoginMachine>
