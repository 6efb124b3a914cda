import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { code2Session } from './code2session.ts'
import { errmsgFor, WECHAT_ERRCODES } from './errcodes.ts'
import { FaultPlan } from './fault-plan.ts'
import { newRequestId } from './ids.ts'
import { MinuteQuota } from './minute-quota.ts'
import type { WechatEmulator, WechatEmulatorOptions, WechatEmulatorStats } from './types.ts'
import { encryptUserData } from './user-data-crypto.ts'
import { WechatAccounts } from './wechat-accounts.ts'

/** The one WeChat API the emulator serves. */
export const CODE2SESSION_PATH = '/sns/jscode2session'
/** Private endpoints standing in for the WeChat app itself; never part of WeChat's API. */
export const SIM_LOGIN_PATH = '/__sim/login'
export const SIM_CHECK_SESSION_PATH = '/__sim/checkSession'

const DEFAULT_CODE_TTL_MS = 5 * 60_000
const DEFAULT_RATE_LIMIT = { max: 100, windowMs: 60_000 }
const MAX_BODY_BYTES = 16 * 1024

function requireNonEmptyString(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new TypeError(`startWechatEmulator: ${name} must be a non-empty string`)
  return value
}

function requireCount(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a whole number >= 0`)
  }
  return value
}

function requireDuration(value: unknown, name: string, { allowZero }: { allowZero: boolean }): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new RangeError(`${name} must be a finite number of milliseconds ${allowZero ? '>= 0' : '> 0'}`)
  }
  return value
}

function requireOpenId(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new TypeError(`${name}: openid must be a non-empty string`)
  return value
}

function emptyStats(): Omit<WechatEmulatorStats, 'inFlight'> {
  return { code2Session: 0, code2SessionOk: 0, code2SessionErrors: {}, dropped: 0, login: 0, checkSession: 0 }
}

class BadRequest extends Error {}

async function readJsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    const buffer = chunk as Buffer
    size += buffer.length
    if (size > MAX_BODY_BYTES) throw new BadRequest('body too large')
    chunks.push(buffer)
  }
  const text = Buffer.concat(chunks).toString('utf8')
  if (text.length === 0) return {}
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new BadRequest('body is not JSON')
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new BadRequest('body is not a JSON object')
  return parsed as Record<string, unknown>
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.destroyed || res.writableEnded) return
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  })
  res.end(text)
}

/**
 * Starts a local stand-in for WeChat on real HTTP: `GET /sns/jscode2session`
 * as WeChat documents it, plus private `/__sim/*` endpoints that the
 * simulated `wx` uses in place of the WeChat app.
 */
export async function startWechatEmulator(options: WechatEmulatorOptions): Promise<WechatEmulator> {
  if (typeof options !== 'object' || options === null) throw new TypeError('startWechatEmulator: options are required')
  const appId = requireNonEmptyString(options.appId, 'appId')
  const secret = requireNonEmptyString(options.secret, 'secret')
  const host = options.host === undefined ? '127.0.0.1' : requireNonEmptyString(options.host, 'host')
  const port = options.port ?? 0
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new RangeError('startWechatEmulator: port must be an integer in [0, 65535]')
  const now = options.now ?? Date.now
  if (typeof now !== 'function') throw new TypeError('startWechatEmulator: now must be a function')
  const codeTtlMs = requireDuration(options.codeTtlMs ?? DEFAULT_CODE_TTL_MS, 'codeTtlMs', { allowZero: false })
  const sessionTtlMs =
    options.sessionTtlMs === undefined ? undefined : requireDuration(options.sessionTtlMs, 'sessionTtlMs', { allowZero: false })
  const rateMax = requireCount(options.rateLimit?.max ?? DEFAULT_RATE_LIMIT.max, 'rateLimit.max')
  const rateWindow = requireDuration(options.rateLimit?.windowMs ?? DEFAULT_RATE_LIMIT.windowMs, 'rateLimit.windowMs', {
    allowZero: false,
  })
  let latencyMs = requireDuration(options.latencyMs ?? 0, 'latencyMs', { allowZero: true })
  const log = options.log

  const accounts = new WechatAccounts({ now, codeTtlMs, sessionTtlMs })
  const quota = new MinuteQuota(rateMax, rateWindow, now)
  const faults = new FaultPlan()
  let stats = emptyStats()
  let inFlight = 0
  const closing = new AbortController()

  const faultOptions = options.faults ?? {}
  const failErrcode = faultOptions.failErrcode ?? WECHAT_ERRCODES.systemError
  if (!Number.isSafeInteger(failErrcode)) throw new TypeError('startWechatEmulator: faults.failErrcode must be an integer')
  if (faultOptions.failNext !== undefined) {
    faults.add({ kind: 'errcode', errcode: failErrcode }, requireCount(faultOptions.failNext, 'faults.failNext'))
  }
  if (faultOptions.dropNext !== undefined) faults.add({ kind: 'drop' }, requireCount(faultOptions.dropNext, 'faults.dropNext'))

  function logLine(req: IncomingMessage, pathname: string, outcome: string): void {
    log?.(`${req.method ?? '?'} ${pathname} -> ${outcome}`)
  }

  function answerWechatError(req: IncomingMessage, res: ServerResponse, pathname: string, errcode: number): void {
    const key = String(errcode)
    stats.code2SessionErrors[key] = (stats.code2SessionErrors[key] ?? 0) + 1
    sendJson(res, 200, { errcode, errmsg: `${errmsgFor(errcode)}, rid: ${newRequestId()}` })
    logLine(req, pathname, `200 errcode=${errcode}`)
  }

  function handleCode2Session(req: IncomingMessage, res: ServerResponse, url: URL): void {
    stats.code2Session++
    const fault = faults.take()
    if (fault?.kind === 'drop') {
      stats.dropped++
      logLine(req, url.pathname, 'dropped')
      req.socket.destroy()
      return
    }
    if (fault?.kind === 'http-status') {
      sendJson(res, fault.status, { errcode: WECHAT_ERRCODES.systemError, errmsg: errmsgFor(WECHAT_ERRCODES.systemError) })
      logLine(req, url.pathname, String(fault.status))
      return
    }
    if (fault?.kind === 'errcode') return answerWechatError(req, res, url.pathname, fault.errcode)
    if (req.method !== 'GET') return answerWechatError(req, res, url.pathname, WECHAT_ERRCODES.requireGetMethod)

    const outcome = code2Session(url.searchParams, { appId, secret, accounts, quota, unionIdOf: options.unionIdOf })
    if (!outcome.ok) return answerWechatError(req, res, url.pathname, outcome.errcode)
    stats.code2SessionOk++
    sendJson(res, 200, outcome.body)
    logLine(req, url.pathname, '200 ok')
  }

  async function handleSimLogin(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    stats.login++
    const body = await readJsonBody(req)
    const openid = body.openid
    if (typeof openid !== 'string' || openid.length === 0) throw new BadRequest('openid is required')
    const { code } = accounts.issueCode(openid)
    sendJson(res, 200, { code })
    logLine(req, pathname, '200')
  }

  async function handleSimCheckSession(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    stats.checkSession++
    const body = await readJsonBody(req)
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
    if (latencyMs > 0) {
      try {
        await sleep(latencyMs, undefined, { signal: closing.signal })
      } catch {
        req.socket.destroy()
        return
      }
    }
    if (url.pathname === CODE2SESSION_PATH) return handleCode2Session(req, res, url)
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
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address() as AddressInfo
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address
  const url = `http://${urlHost}:${address.port}`

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
    failNext(count: number, errcode: number = WECHAT_ERRCODES.systemError): void {
      if (!Number.isSafeInteger(errcode)) throw new TypeError('failNext: errcode must be an integer')
      faults.add({ kind: 'errcode', errcode }, requireCount(count, 'failNext: count'))
    },
    failNextWithStatus(count: number, status = 503): void {
      if (!Number.isInteger(status) || status < 200 || status > 599)
        throw new RangeError('failNextWithStatus: status must be an HTTP status')
      faults.add({ kind: 'http-status', status }, requireCount(count, 'failNextWithStatus: count'))
    },
    dropNext(count: number): void {
      faults.add({ kind: 'drop' }, requireCount(count, 'dropNext: count'))
    },
    clearFaults(): void {
      faults.clear()
    },
    setLatency(ms: number): void {
      latencyMs = requireDuration(ms, 'setLatency', { allowZero: true })
    },
    setRateLimit(max: number, windowMs = DEFAULT_RATE_LIMIT.windowMs): void {
      quota.configure(requireCount(max, 'setRateLimit: max'), requireDuration(windowMs, 'setRateLimit: windowMs', { allowZero: false }))
    },
    stats(): WechatEmulatorStats {
      return { ...stats, code2SessionErrors: { ...stats.code2SessionErrors }, inFlight }
    },
    resetStats(): void {
      stats = emptyStats()
    },
    sessionKeyOf(openid: string): string | undefined {
      return accounts.sessionKeyOf(requireOpenId(openid, 'sessionKeyOf'))
    },
    encryptForUser(openid: string, data: Record<string, unknown>) {
      const sessionKey = accounts.sessionKeyOf(requireOpenId(openid, 'encryptForUser'))
      if (sessionKey === undefined) throw new RangeError(`encryptForUser: ${openid} never logged in`)
      return encryptUserData(sessionKey, appId, data, Math.floor(now() / 1000))
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
