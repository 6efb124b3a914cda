import { isLoginError, type LoginSnapshot } from 'miniprogram-login'

/** The login state as a page shows it: plain data, as `setData` wants. */
export interface LoginView {
  /** The statechart's top-level state: idle, checkingStorage, checkingWx, checkingServer, wxLogin, serverLogin, authenticated or failed. */
  loginState: string
  loggedIn: boolean
  /** A login step is running. */
  busy: boolean
  /** When the session ends, local time; empty unless logged in. */
  expiresAt: string
  /** Why the login failed; empty unless it did. */
  loginError: string
}

function twoDigits(value: number): string {
  return value < 10 ? `0${value}` : String(value)
}

/** `2024-05-01 13:07`, in the phone's time zone. */
export function formatTime(ms: number): string {
  const date = new Date(ms)
  return `${date.getFullYear()}-${twoDigits(date.getMonth() + 1)}-${twoDigits(date.getDate())} ${twoDigits(date.getHours())}:${twoDigits(date.getMinutes())}`
}

/** A failure for people: a LoginError's message and code; anything else, a generic sentence. */
export function describeFailure(error: unknown): string {
  if (isLoginError(error)) return `${error.message} (${error.code})`
  return 'something went wrong'
}

export function describeLogin(snapshot: LoginSnapshot): LoginView {
  const value: unknown = snapshot.value
  const loginState = typeof value === 'string' ? value : (Object.keys(value as object)[0] ?? 'unknown')
  const session = snapshot.context.session
  const loggedIn = snapshot.matches('authenticated') && session !== null
  const failed = snapshot.matches('failed')
  return {
    loginState,
    loggedIn,
    busy: !loggedIn && !failed && !snapshot.matches('idle'),
    expiresAt: loggedIn && session ? formatTime(session.expiresAt) : '',
    loginError: failed ? describeFailure(snapshot.context.error) : '',
  }
}
