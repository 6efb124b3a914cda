import { newOpenId } from '../wechat/ids.ts'
import { SIM_CHECK_SESSION_PATH, SIM_LOGIN_PATH } from '../wechat/api-paths.ts'
import { runAsyncApi, type CallbackErrorReporter, type Outcome } from './callbacks.ts'
import { callEmulator } from './emulator-client.ts'
import { OFFLINE_FAILURE, WX_ERRNO } from './network-failure.ts'
import { SimulatedStorage, WECHAT_STORAGE_LIMITS } from './simulated-storage.ts'
import { simulatedRequest } from './simulated-request.ts'
import type { SimulatedWx, SimulatedWxApi, SimulatedWxApiName, SimulatedWxControls, SimulatedWxOptions, StorageLimits } from './types.ts'
import { wxTypeName } from './wx-api-error.ts'

type LoginSuccess = WechatMiniprogram.LoginSuccessCallbackResult
type LoginFailure = WechatMiniprogram.LoginFailCallbackErr
type CheckSessionResult = WechatMiniprogram.GeneralCallbackResult

const DEFAULT_TIMEOUT_MS = 60_000
/** What `wx.checkSession` reports once WeChat's session is gone. */
export const CHECK_SESSION_EXPIRED_ERRMSG = 'checkSession:fail session time out, need relogin'

function zeroCalls(): Record<SimulatedWxApiName, number> {
  return { login: 0, checkSession: 0, request: 0, getStorageSync: 0, setStorageSync: 0, removeStorageSync: 0 }
}

function requirePositiveMs(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(`createSimulatedWx: ${name} must be a positive number of milliseconds`)
  }
  return value
}

function resolveStorageLimits(limits: Partial<StorageLimits> | undefined): StorageLimits {
  return {
    perKeyBytes: requirePositiveMs(limits?.perKeyBytes ?? WECHAT_STORAGE_LIMITS.perKeyBytes, 'storageLimits.perKeyBytes'),
    totalBytes: requirePositiveMs(limits?.totalBytes ?? WECHAT_STORAGE_LIMITS.totalBytes, 'storageLimits.totalBytes'),
  }
}

function rethrowOutside(error: unknown): void {
  queueMicrotask(() => {
    throw error
  })
}

function loginFailure(reason: string, errno: number): LoginFailure {
  return { errMsg: `login:fail ${reason}`, errno }
}

/**
 * A `wx` for Node: the APIs the login library uses, with WeChat's callback
 * and promise styles, result shapes and `errMsg` strings. `login` and
 * `checkSession` go to the emulator's private endpoints for this device's
 * user; `request` is real HTTP; storage lives in a Map that can outlive the
 * simulated wx (a relaunch is a new simulated wx over the same Map).
 */
export function createSimulatedWx(options: SimulatedWxOptions): SimulatedWx {
  if (typeof options !== 'object' || options === null) throw new TypeError('createSimulatedWx: options are required')
  let emulatorUrl: URL
  try {
    emulatorUrl = new URL(options.emulatorUrl)
  } catch {
    throw new TypeError('createSimulatedWx: emulatorUrl must be an absolute http(s) URL')
  }
  if (emulatorUrl.protocol !== 'http:' && emulatorUrl.protocol !== 'https:') {
    throw new TypeError('createSimulatedWx: emulatorUrl must be an absolute http(s) URL')
  }
  const openid = options.openid ?? newOpenId()
  if (typeof openid !== 'string' || openid.length === 0) throw new TypeError('createSimulatedWx: openid must be a non-empty string')
  if (options.storage !== undefined && !(options.storage instanceof Map)) throw new TypeError('createSimulatedWx: storage must be a Map')
  const storage = new SimulatedStorage(options.storage ?? new Map<string, unknown>(), resolveStorageLimits(options.storageLimits))
  const defaultTimeoutMs = requirePositiveMs(options.defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS, 'defaultTimeoutMs')
  const onCallbackError = options.onCallbackError

  let calls = zeroCalls()
  let offline = false
  let loginFailuresLeft = 0

  function reporterFor(api: SimulatedWxApiName): CallbackErrorReporter {
    return onCallbackError === undefined ? rethrowOutside : (error) => onCallbackError(error, api)
  }

  async function doLogin(option: WechatMiniprogram.LoginOption | undefined): Promise<Outcome<LoginSuccess, LoginFailure>> {
    const timeout = option?.timeout
    if (timeout !== undefined && (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0)) {
      return {
        ok: false,
        error: loginFailure(
          `parameter error: parameter.timeout should be a positive Number instead of ${wxTypeName(timeout)};`,
          WX_ERRNO.internal,
        ),
      }
    }
    if (loginFailuresLeft > 0) {
      loginFailuresLeft--
      return { ok: false, error: loginFailure('system error', WX_ERRNO.internal) }
    }
    if (offline) return { ok: false, error: loginFailure(OFFLINE_FAILURE.reason, OFFLINE_FAILURE.errno) }
    const answer = await callEmulator(emulatorUrl.href, SIM_LOGIN_PATH, { openid }, timeout ?? defaultTimeoutMs)
    if (answer.kind === 'timeout') return { ok: false, error: loginFailure('timeout', WX_ERRNO.timeout) }
    if (answer.kind === 'network') return { ok: false, error: loginFailure(answer.failure.reason, answer.failure.errno) }
    const code = (answer.body as { code?: unknown } | null)?.code
    if (answer.status !== 200 || typeof code !== 'string') {
      return { ok: false, error: loginFailure(`system error (the emulator answered HTTP ${answer.status})`, WX_ERRNO.internal) }
    }
    return { ok: true, result: { code, errMsg: 'login:ok' } }
  }

  async function doCheckSession(): Promise<Outcome<CheckSessionResult, CheckSessionResult>> {
    if (offline) return { ok: false, error: { errMsg: `checkSession:fail ${OFFLINE_FAILURE.reason}` } }
    const answer = await callEmulator(emulatorUrl.href, SIM_CHECK_SESSION_PATH, { openid }, defaultTimeoutMs)
    if (answer.kind === 'timeout') return { ok: false, error: { errMsg: 'checkSession:fail timeout' } }
    if (answer.kind === 'network') return { ok: false, error: { errMsg: `checkSession:fail ${answer.failure.reason}` } }
    const valid = (answer.body as { valid?: unknown } | null)?.valid
    if (answer.status !== 200 || typeof valid !== 'boolean') {
      return { ok: false, error: { errMsg: `checkSession:fail system error (the emulator answered HTTP ${answer.status})` } }
    }
    return valid ? { ok: true, result: { errMsg: 'checkSession:ok' } } : { ok: false, error: { errMsg: CHECK_SESSION_EXPIRED_ERRMSG } }
  }

  function internalMessage(error: unknown): string {
    return error instanceof Error ? error.message : String(error)
  }

  function login(option?: WechatMiniprogram.LoginOption): Promise<LoginSuccess> | undefined {
    calls.login++
    return runAsyncApi(
      option,
      () => doLogin(option),
      (error) => loginFailure(`simulator error: ${internalMessage(error)}`, WX_ERRNO.internal),
      reporterFor('login'),
    )
  }

  function checkSession(option?: WechatMiniprogram.CheckSessionOption): Promise<CheckSessionResult> | undefined {
    calls.checkSession++
    return runAsyncApi(
      option,
      doCheckSession,
      (error) => ({ errMsg: `checkSession:fail simulator error: ${internalMessage(error)}` }),
      reporterFor('checkSession'),
    )
  }

  function request(option: WechatMiniprogram.RequestOption): WechatMiniprogram.RequestTask {
    calls.request++
    if (typeof option !== 'object' || option === null) {
      throw new TypeError(`request:fail parameter error: parameter should be Object instead of ${wxTypeName(option)};`)
    }
    return simulatedRequest(option, { isOffline: () => offline, defaultTimeoutMs, report: reporterFor('request') })
  }

  const sim: SimulatedWxControls = {
    openid,
    storage: storage.map,
    get calls() {
      return { ...calls }
    },
    resetCalls() {
      calls = zeroCalls()
    },
    setOffline(on: boolean) {
      offline = on
    },
    setStorageFull(on: boolean) {
      storage.full = on
    },
    failNextLogin(count: number) {
      if (!Number.isSafeInteger(count) || count < 0) throw new RangeError('failNextLogin: count must be a whole number >= 0')
      loginFailuresLeft += count
    },
  }

  // The real signatures are generic (their return type depends on whether
  // callbacks were passed); these implementations honour both styles at run time.
  const api: SimulatedWxApi = {
    login: login as SimulatedWxApi['login'],
    checkSession: checkSession as SimulatedWxApi['checkSession'],
    request: request as SimulatedWxApi['request'],
    getStorageSync: ((key: string) => {
      calls.getStorageSync++
      return storage.get(key)
    }) as SimulatedWxApi['getStorageSync'],
    setStorageSync: (key: string, data: unknown) => {
      calls.setStorageSync++
      storage.set(key, data)
    },
    removeStorageSync: (key: string) => {
      calls.removeStorageSync++
      storage.remove(key)
    },
  }
  return { ...api, sim }
}
