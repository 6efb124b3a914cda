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
