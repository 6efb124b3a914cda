/**
 * What each state of the login machine is for, in words: shown by the Stately
 * inspector beside the chart, and in docs/flow.md. Kept apart from the
 * machine's logic, which is what the tests and the mutation run hold to account.
 *
 * The mini-program builds leave them out (the build folds `process.env.NODE_ENV`
 * to "production"): they are for people reading the chart, and a phone has no
 * one reading it. Node (the `machines` entry, the inspector relay, the tests)
 * keeps them.
 */
declare const process: { readonly env: Readonly<Record<string, string | undefined>> }

const WORDS = {
  login: 'The login life cycle of a WeChat mini-program: stored session, wx.checkSession, developer-server check, wx.login, server login.',
  idle: 'Not started, or logged out.',
  checkingStorage:
    'Read the stored developer-server session. None, corrupt, expired in server time, unreadable or too slow: log in afresh.',
  checkingWx:
    "wx.checkSession: is WeChat's side of the session still alive? The server check, when needed, starts beside it; its answer counts only if WeChat's is yes.",
  checkingServer: 'Ask the developer server whether its side of the session is still alive.',
  wxLogin: 'wx.login: get a one-time code (valid five minutes, single use).',
  serverLogin: 'Trade the code for a developer-server session (the server calls code2Session), then persist it.',
  authenticated: 'Logged in: the session token is in context and in storage.',
  failed: 'The flow gave up; context.error says why.',
} as const

type StateDescriptions = { readonly [K in keyof typeof WORDS]?: string }

export const DESCRIPTIONS: StateDescriptions = process.env['NODE_ENV'] === 'production' ? {} : WORDS
