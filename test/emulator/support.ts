import { startWechatEmulator, type WechatEmulator, type WechatEmulatorOptions } from '../../src/emulator/index.ts'

export const APP_ID = 'wx0123456789abcdef'
export const SECRET = 'emulator-test-app-secret-0123456789'

/** Starts an emulator on 127.0.0.1, port 0, and remembers it for `closeAll`. */
export function makeEmulators(): {
  start(options?: Partial<WechatEmulatorOptions>): Promise<WechatEmulator>
  closeAll(): Promise<void>
} {
  const open: WechatEmulator[] = []
  return {
    async start(options = {}) {
      const emulator = await startWechatEmulator({ appId: APP_ID, secret: SECRET, ...options })
      open.push(emulator)
      return emulator
    },
    async closeAll() {
      await Promise.all(open.splice(0).map((emulator) => emulator.close()))
    },
  }
}

export interface Code2SessionParams {
  appid?: string | undefined
  secret?: string | undefined
  js_code?: string | undefined
  grant_type?: string | undefined
}

/** Calls the emulator's code2Session as a developer server would; answers status and parsed body. */
export async function code2Session(
  emulator: WechatEmulator,
  params: Code2SessionParams,
  init: RequestInit = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const query = new URLSearchParams()
  for (const [name, value] of Object.entries(params)) if (value !== undefined) query.set(name, value)
  const response = await fetch(`${emulator.url}/sns/jscode2session?${query.toString()}`, init)
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

export function validParams(code: string): Code2SessionParams {
  return { appid: APP_ID, secret: SECRET, js_code: code, grant_type: 'authorization_code' }
}

/** A clock the test moves by hand. */
export function manualClock(start = Date.UTC(2024, 0, 1, 12, 0, 0)): {
  now: () => number
  advance(ms: number): void
  set(ms: number): void
} {
  let current = start
  return {
    now: () => current,
    advance(ms) {
      current += ms
    },
    set(ms) {
      current = ms
    },
  }
}

export interface CallbackRecord<S, F> {
  success: S[]
  fail: F[]
  complete: unknown[]
}

/**
 * Calls a callback-style wx API and resolves once `complete` ran, plus one
 * more turn of the event loop so that a second, wrong call would be seen.
 */
export async function callbacksOf<S, F>(
  call: (callbacks: { success: (r: S) => void; fail: (e: F) => void; complete: (r: unknown) => void }) => void,
): Promise<CallbackRecord<S, F>> {
  const record: CallbackRecord<S, F> = { success: [], fail: [], complete: [] }
  await new Promise<void>((resolve) => {
    call({
      success: (result) => record.success.push(result),
      fail: (error) => record.fail.push(error),
      complete: (result) => {
        record.complete.push(result)
        resolve()
      },
    })
  })
  await new Promise((resolve) => setImmediate(resolve))
  return record
}

export interface WechatAnswer {
  status: number
  body: Record<string, unknown>
}

/** POSTs JSON to one of the emulator's WeChat APIs, with `query` in the URL; `body` as a string is sent as it is. */
export async function wechatPost(
  emulator: WechatEmulator,
  path: string,
  query: Record<string, string>,
  body: unknown,
  init: RequestInit = {},
): Promise<WechatAnswer> {
  const search = new URLSearchParams(query).toString()
  const response = await fetch(`${emulator.url}${path}${search ? `?${search}` : ''}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...init,
  })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

/** GETs one of the emulator's WeChat APIs. */
export async function wechatGet(
  emulator: WechatEmulator,
  path: string,
  query: Record<string, string>,
  init: RequestInit = {},
): Promise<WechatAnswer> {
  const response = await fetch(`${emulator.url}${path}?${new URLSearchParams(query).toString()}`, init)
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

/** Calls stable_token with the right credentials, plus `extra`. */
export function stableToken(emulator: WechatEmulator, extra: Record<string, unknown> = {}): Promise<WechatAnswer> {
  return wechatPost(emulator, '/cgi-bin/stable_token', {}, { grant_type: 'client_credential', appid: APP_ID, secret: SECRET, ...extra })
}

/** A fresh access_token from the emulator, in normal mode. */
export async function accessTokenOf(emulator: WechatEmulator): Promise<string> {
  const { body } = await stableToken(emulator)
  if (typeof body.access_token !== 'string') throw new Error(`stable_token answered errcode ${String(body.errcode)}`)
  return body.access_token
}

/** Logs `openid` in (wx.login + code2Session) and answers the session_key the developer server would hold. */
export async function loginAs(emulator: WechatEmulator, openid: string): Promise<string> {
  const code = await emulator.issueCode(openid)
  const { body } = await code2Session(emulator, validParams(code))
  if (typeof body.session_key !== 'string') throw new Error(`code2Session answered errcode ${String(body.errcode)}`)
  return body.session_key
}
