import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { AccessTokens, errcodeForAccessToken } from './access-tokens.ts'
import {
  CHECK_SESSION_KEY_PATH,
  CODE2SESSION_PATH,
  GET_USER_PHONE_NUMBER_PATH,
  RESET_SESSION_KEY_PATH,
  SIM_CHECK_SESSION_PATH,
  SIM_LOGIN_PATH,
  STABLE_TOKEN_PATH,
} from './api-paths.ts'
import { checkSessionKey } from './check-session-key.ts'
import { code2Session } from './code2session.ts'
import {
  DAY_WINDOW_MS,
  requireCount,
  requireCountOrInfinity,
  requireDelay,
  requireDuration,
  requireOpenId,
  resolveEmulatorOptions,
  WECHAT_DEFAULTS,
} from './emulator-options.ts'
import { errmsgFor, WECHAT_ERRCODES, type WechatOutcome } from './errcodes.ts'
import { FaultPlan, WECHAT_API_NAMES, type WechatApiName } from './fault-plan.ts'
import { HeldCalls } from './held-calls.ts'
import { FixedWindowQuota } from './fixed-window-quota.ts'
import { getUserPhoneNumber } from './get-user-phone-number.ts'
import { parseJsonObject } from '../../contract/index.ts'
import { readBodyText, readWechatJsonBody, sendJson } from './http-io.ts'
import { derivedUnionId, newRequestId } from './ids.ts'
import { PhoneCodes } from './phone-codes.ts'
import { parsePhoneNumber } from './phone-number.ts'
import { resetSessionKey } from './reset-session-key.ts'
import { stableToken } from './stable-token.ts'
import type { WechatApiFaults, WechatApiStats, WechatEmulator, WechatEmulatorOptions, WechatEmulatorStats } from './types.ts'
import { encryptUserData } from './user-data-crypto.ts'
import { WechatAccounts } from './wechat-accounts.ts'

/** One emulated WeChat API: where it is, how it is called, and what it does once the shared checks passed. */
interface WechatRoute {
  api: WechatApiName
  method: 'GET' | 'POST'
  /** Takes `?access_token=`, checked (41001, 40014, 40001, 42001) before the API's own checks. */
  needsAccessToken: boolean
  handle(req: IncomingMessage, url: URL): Promise<WechatOutcome<object>>
}

class BadRequest extends Error {}

/** A GET API whose parameters are all in the query string. */
function queryRoute(api: WechatApiName, needsAccessToken: boolean, answer: (query: URLSearchParams) => WechatOutcome<object>): WechatRoute {
  return { api, method: 'GET', needsAccessToken, handle: async (_req, url) => answer(url.searchParams) }
}

/** A POST API with a JSON body; a body that is not a JSON object gets WeChat's own error before the API sees it. */
function jsonBodyRoute(
  api: WechatApiName,
  needsAccessToken: boolean,
  answer: (body: Record<string, unknown>) => WechatOutcome<object>,
): WechatRoute {
  return {
    api,
    method: 'POST',
    needsAccessToken,
    async handle(req) {
      const read = await readWechatJsonBody(req)
      return read.ok ? answer(read.body) : read
    },
  }
}

async function readSimBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const text = await readBodyText(req)
  if (text === undefined) throw new BadRequest('body too large')
  if (text.length === 0) return {}
  const body = parseJsonObject(text)
  if (body === undefined) throw new BadRequest('body is not a JSON object')
  return body
}

function emptyApiStats(): Record<WechatApiName, WechatApiStats> {
  const entries = WECHAT_API_NAMES.map((api) => [api, { calls: 0, ok: 0, errors: {} }] as const)
  return Object.fromEntries(entries) as Record<WechatApiName, WechatApiStats>
}

function copyApiStats(apis: Record<WechatApiName, WechatApiStats>): Record<WechatApiName, WechatApiStats> {
  const entries = WECHAT_API_NAMES.map((api) => [api, { ...apis[api], errors: { ...apis[api].errors } }] as const)
  return Object.fromEntries(entries) as Record<WechatApiName, WechatApiStats>
}

function requireApiName(api: unknown): WechatApiName {
  if (typeof api !== 'string' || !(WECHAT_API_NAMES as readonly string[]).includes(api)) {
    throw new TypeError(`faultsOf: api must be one of ${WECHAT_API_NAMES.join(', ')}`)
  }
  return api as WechatApiName
}

/**
 * Starts a local stand-in for WeChat on real HTTP: code2Session,
 * stable_token, getuserphonenumber, checksession and resetusersessionkey as
 * WeChat documents them, plus private `/__sim/*` endpoints that the
 * simulated `wx` uses in place of the WeChat app.
 */
export async function startWechatEmulator(options: WechatEmulatorOptions): Promise<WechatEmulator> {
  const settings = resolveEmulatorOptions(options)
  const { appId, secret, now, log } = settings
  let latencyMs = settings.latencyMs

  const accounts = new WechatAccounts({
    now,
    codeTtlMs: settings.codeTtlMs,
    sessionTtlMs: settings.sessionTtlMs,
    rotateSessionKeyOnLogin: settings.rotateSessionKeyOnLogin,
  })
  const unionIdOf = settings.unionIdOf === 'derived' ? derivedUnionId : (settings.unionIdOf ?? ((): string | undefined => undefined))
  const code2SessionQuota = new FixedWindowQuota(settings.rateLimit.max, settings.rateLimit.windowMs, now)
  const tokens = new AccessTokens(settings.accessToken, now)
  const tokenPerMinute = new FixedWindowQuota(settings.accessToken.perMinute, 60_000, now)
  const tokenPerDay = new FixedWindowQuota(settings.accessToken.perDay, DAY_WINDOW_MS, now)
  const forceRefreshPerDay = new FixedWindowQuota(settings.accessToken.forceRefreshPerDay, DAY_WINDOW_MS, now)
  const phoneCodes = new PhoneCodes({ now, ttlMs: settings.phoneCodeTtlMs, quota: settings.phoneQuota })
  const phoneQuota = new FixedWindowQuota(settings.phoneRateLimit.max, settings.phoneRateLimit.windowMs, now)
  const resetQuota = new FixedWindowQuota(settings.resetSessionKeyRateLimit.max, settings.resetSessionKeyRateLimit.windowMs, now)
  const faults = new FaultPlan()
  let apis = emptyApiStats()
  let counters = { dropped: 0, login: 0, checkSession: 0, forceRefreshCalls: 0 }
  let inFlight = 0
  const closing = new AbortController()

  if (settings.failNext) faults.add('code2Session', { kind: 'errcode', errcode: settings.failNext.errcode }, settings.failNext.count)
  if (settings.dropNext !== undefined) faults.add('code2Session', { kind: 'drop' }, settings.dropNext)

  const routes = new Map<string, WechatRoute>([
    [
      CODE2SESSION_PATH,
      queryRoute('code2Session', false, (query) => code2Session(query, { appId, secret, accounts, quota: code2SessionQuota, unionIdOf })),
    ],
    [
      STABLE_TOKEN_PATH,
      jsonBodyRoute('stableToken', false, (body) =>
        stableToken(body, {
          appId,
          secret,
          tokens,
          perMinute: tokenPerMinute,
          perDay: tokenPerDay,
          forceRefreshPerDay,
          onForceRefreshCall: () => counters.forceRefreshCalls++,
        }),
      ),
    ],
    [
      GET_USER_PHONE_NUMBER_PATH,
      jsonBodyRoute('getPhoneNumber', true, (body) => getUserPhoneNumber(body, { appId, codes: phoneCodes, quota: phoneQuota })),
    ],
    [CHECK_SESSION_KEY_PATH, queryRoute('checkSessionKey', true, (query) => checkSessionKey(query, accounts))],
    [
      RESET_SESSION_KEY_PATH,
      queryRoute('resetSessionKey', true, (query) => resetSessionKey(query, { appId, accounts, quota: resetQuota })),
    ],
  ])

  // Only the method, the path and the outcome: the query (access_token, secret, signature) and bodies never reach the log.
  function logLine(req: IncomingMessage, pathname: string, outcome: string): void {
    log?.(`${req.method ?? '?'} ${pathname} -> ${outcome}`)
  }

  function answerWechatError(req: IncomingMessage, res: ServerResponse, pathname: string, api: WechatApiName, errcode: number): void {
    const key = String(errcode)
    const errors = apis[api].errors
    errors[key] = (errors[key] ?? 0) + 1
    sendJson(res, 200, { errcode, errmsg: `${errmsgFor(errcode)}, rid: ${newRequestId()}` })
    logLine(req, pathname, `200 errcode=${errcode}`)
  }

  async function serveWechatApi(route: WechatRoute, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const stats = apis[route.api]
    stats.calls++
    const fault = faults.take(route.api)
    if (fault?.kind === 'drop') {
      counters.dropped++
      logLine(req, url.pathname, 'dropped')
      req.socket.destroy()
      return
    }
    if (fault?.kind === 'http-status') {
      sendJson(res, fault.status, { errcode: WECHAT_ERRCODES.systemError, errmsg: errmsgFor(WECHAT_ERRCODES.systemError) })
      logLine(req, url.pathname, String(fault.status))
      return
    }
    if (fault?.kind === 'errcode') return answerWechatError(req, res, url.pathname, route.api, fault.errcode)
    if (fault?.kind === 'delay' && !(await waitOrClose(fault.ms, req))) return
    if (fault?.kind === 'hold' && !(await fault.calls.wait(closing.signal))) {
      req.socket.destroy()
      return
    }
    if (fault?.kind === 'raw') {
      if (res.destroyed || res.writableEnded) return
      res.writeHead(fault.status, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(fault.body) })
      res.end(fault.body)
      logLine(req, url.pathname, `${fault.status} raw`)
      return
    }

    if (req.method !== route.method) {
      const errcode = route.method === 'GET' ? WECHAT_ERRCODES.requireGetMethod : WECHAT_ERRCODES.requirePostMethod
      return answerWechatError(req, res, url.pathname, route.api, errcode)
    }
    if (route.needsAccessToken) {
      const check = tokens.check(url.searchParams.get('access_token'))
      if (check !== 'valid') return answerWechatError(req, res, url.pathname, route.api, errcodeForAccessToken(check))
    }
    const outcome = await route.handle(req, url)
    if (!outcome.ok) return answerWechatError(req, res, url.pathname, route.api, outcome.errcode)
    stats.ok++
    sendJson(res, 200, outcome.body)
    logLine(req, url.pathname, '200 ok')
  }

  /** Sleeps `ms`; `false` (and the connection cut) when the emulator closes meanwhile. */
  async function waitOrClose(ms: number, req: IncomingMessage): Promise<boolean> {
    try {
      await sleep(ms, undefined, { signal: closing.signal })
      return true
    } catch {
      req.socket.destroy()
      return false
    }
  }

  async function handleSimLogin(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    counters.login++
    const body = await readSimBody(req)
    const openid = body.openid
    if (typeof openid !== 'string' || openid.length === 0) throw new BadRequest('openid is required')
    const { code } = accounts.issueCode(openid)
    sendJson(res, 200, { code })
    logLine(req, pathname, '200')
  }

  async function handleSimCheckSession(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    counters.checkSession++
    const body = await readSimBody(req)
    const openid = body.openid
    if (typeof openid !== 'string' || openid.length === 0) throw new BadRequest('openid is required')
    const valid = accounts.isSessionAlive(openid)
    sendJson(res, 200, { valid })
    logLine(req, pathname, `200 valid=${valid}`)
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    inFlight++
    try {
      await route(req, res)
    } finally {
      inFlight--
    }
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator.invalid')
    if (latencyMs > 0 && !(await waitOrClose(latencyMs, req))) return
    const wechatRoute = routes.get(url.pathname)
    if (wechatRoute) return serveWechatApi(wechatRoute, req, res, url)
    if (url.pathname === SIM_LOGIN_PATH || url.pathname === SIM_CHECK_SESSION_PATH) {
      if (req.method !== 'POST') {
        sendJson(res, 405, { error: 'method_not_allowed' })
        logLine(req, url.pathname, '405')
        return
      }
      try {
        if (url.pathname === SIM_LOGIN_PATH) await handleSimLogin(req, res, url.pathname)
        else await handleSimCheckSession(req, res, url.pathname)
      } catch (error) {
        if (!(error instanceof BadRequest)) throw error
        sendJson(res, 400, { error: 'invalid_request', message: error.message })
        logLine(req, url.pathname, '400')
      }
      return
    }
    // WeChat answers unknown API paths with errcode 40066 (invalid url).
    sendJson(res, 200, { errcode: WECHAT_ERRCODES.invalidUrl, errmsg: `${errmsgFor(WECHAT_ERRCODES.invalidUrl)}, rid: ${newRequestId()}` })
    logLine(req, url.pathname, `200 errcode=${WECHAT_ERRCODES.invalidUrl}`)
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.destroyed) {
        // The caller hung up before we answered (a client-side timeout, for instance).
        log?.(`${req.method ?? '?'} ${req.url?.split('?')[0] ?? '?'} -> connection closed before the answer`)
        return
      }
      // A bug in the emulator itself: answer 500 so the caller sees it, and report it.
      sendJson(res, 500, { error: 'emulator_failure' })
      log?.(`emulator failure: ${error instanceof Error ? error.message : String(error)}`)
    })
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(settings.port, settings.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address() as AddressInfo
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address
  const url = `http://${urlHost}:${address.port}`

  function faultsOf(apiName: WechatApiName): WechatApiFaults {
    const api = requireApiName(apiName)
    return {
      failNext(count: number, errcode: number = WECHAT_ERRCODES.systemError): void {
        if (!Number.isSafeInteger(errcode)) throw new TypeError('failNext: errcode must be an integer')
        faults.add(api, { kind: 'errcode', errcode }, requireCount(count, 'failNext: count'))
      },
      failNextWithStatus(count: number, status = 503): void {
        if (!Number.isInteger(status) || status < 200 || status > 599) {
          throw new RangeError('failNextWithStatus: status must be an HTTP status')
        }
        faults.add(api, { kind: 'http-status', status }, requireCount(count, 'failNextWithStatus: count'))
      },
      dropNext(count: number): void {
        faults.add(api, { kind: 'drop' }, requireCount(count, 'dropNext: count'))
      },
      delayNext(count: number, ms: number): void {
        faults.add(api, { kind: 'delay', ms: requireDelay(ms, 'delayNext: ms') }, requireCount(count, 'delayNext: count'))
      },
      holdNext(count: number): HeldCalls {
        const calls = new HeldCalls()
        faults.add(api, { kind: 'hold', calls }, requireCount(count, 'holdNext: count'))
        return calls
      },
      answerNextRaw(count: number, body: string, status = 200): void {
        if (typeof body !== 'string') throw new TypeError('answerNextRaw: body must be a string')
        if (!Number.isInteger(status) || status < 200 || status > 599) throw new RangeError('answerNextRaw: status must be an HTTP status')
        faults.add(api, { kind: 'raw', status, body }, requireCount(count, 'answerNextRaw: count'))
      },
    }
  }
  const code2SessionFaults = faultsOf('code2Session')

  let closed: Promise<void> | undefined

  const emulator: WechatEmulator = {
    url,
    appId,
    async issueCode(openid?: string): Promise<string> {
      if (openid !== undefined) requireOpenId(openid, 'issueCode')
      return accounts.issueCode(openid).code
    },
    expireSession(openid: string): void {
      requireOpenId(openid, 'expireSession')
      if (!accounts.expireSession(openid)) throw new RangeError(`expireSession: ${openid} never logged in`)
    },
    isSessionAlive(openid: string): boolean {
      return accounts.isSessionAlive(requireOpenId(openid, 'isSessionAlive'))
    },
    setHighRisk(openid: string, on: boolean): void {
      accounts.setHighRisk(requireOpenId(openid, 'setHighRisk'), on)
    },
    failNext: code2SessionFaults.failNext,
    failNextWithStatus: code2SessionFaults.failNextWithStatus,
    dropNext: code2SessionFaults.dropNext,
    faultsOf,
    clearFaults(): void {
      faults.clear()
    },
    setLatency(ms: number): void {
      latencyMs = requireDelay(ms, 'setLatency')
    },
    setRateLimit(max: number, windowMs: number = WECHAT_DEFAULTS.code2SessionRateLimit.windowMs): void {
      code2SessionQuota.configure(
        requireCount(max, 'setRateLimit: max'),
        requireDuration(windowMs, 'setRateLimit: windowMs', { allowZero: false }),
      )
    },
    stats(): WechatEmulatorStats {
      const code2SessionStats = apis.code2Session
      return {
        code2Session: code2SessionStats.calls,
        code2SessionOk: code2SessionStats.ok,
        code2SessionErrors: { ...code2SessionStats.errors },
        apis: copyApiStats(apis),
        dropped: counters.dropped,
        login: counters.login,
        checkSession: counters.checkSession,
        inFlight,
      }
    },
    resetStats(): void {
      apis = emptyApiStats()
      counters = { dropped: 0, login: 0, checkSession: 0, forceRefreshCalls: 0 }
      tokens.resetCounters()
      phoneCodes.resetCounters()
    },
    sessionKeyOf(openid: string): string | undefined {
      return accounts.sessionKeyOf(requireOpenId(openid, 'sessionKeyOf'))
    },
    rotateSessionKey(openid: string): string {
      const sessionKey = accounts.rotateSessionKey(requireOpenId(openid, 'rotateSessionKey'))
      if (sessionKey === undefined) throw new RangeError(`rotateSessionKey: ${openid} never logged in`)
      return sessionKey
    },
    unionIdFor(openid: string): string | undefined {
      return unionIdOf(requireOpenId(openid, 'unionIdFor'))
    },
    encryptForUser(openid: string, data: Record<string, unknown>) {
      const sessionKey = accounts.sessionKeyOf(requireOpenId(openid, 'encryptForUser'))
      if (sessionKey === undefined) throw new RangeError(`encryptForUser: ${openid} never logged in`)
      return encryptUserData(sessionKey, appId, data, Math.floor(now() / 1000))
    },
    expireAccessToken(): void {
      tokens.expireAll()
    },
    accessTokenStats() {
      return {
        calls: apis.stableToken.calls,
        forceRefreshCalls: counters.forceRefreshCalls,
        forceRefreshes: tokens.forceRefreshes,
        issued: tokens.issued,
        live: tokens.live,
      }
    },
    async issuePhoneCode(openid: string, phoneNumber: string): Promise<string> {
      requireOpenId(openid, 'issuePhoneCode')
      return phoneCodes.issue(openid, parsePhoneNumber(phoneNumber))
    },
    setPhoneQuota(remaining: number): void {
      phoneCodes.setQuota(requireCountOrInfinity(remaining, 'setPhoneQuota'))
    },
    phoneNumberStats() {
      return { billed: phoneCodes.billed, quotaRemaining: phoneCodes.quotaRemaining, exchanged: apis.getPhoneNumber.ok }
    },
    close(): Promise<void> {
      closed ??= new Promise<void>((resolve, reject) => {
        closing.abort()
        server.close((error) => (error ? reject(error) : resolve()))
        server.closeAllConnections()
      })
      return closed
    },
  }
  return emulator
}
