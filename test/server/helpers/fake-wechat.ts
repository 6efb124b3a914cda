/**
 * A stand-in for WeChat's `GET /sns/jscode2session` on 127.0.0.1, answering
 * the shapes WeChat documents: `{ openid, session_key, unionid? }` on success,
 * `{ errcode, errmsg }` on failure, each code usable once.
 */
import { createServer } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

export interface FakeUser {
  openid: string
  /** base64 of 16 bytes, like WeChat's. */
  sessionKey: string
  unionid?: string
}

/** What one request for a code gets. */
export type FakeStep = { user: FakeUser } | { errcode: number } | { httpStatus: number } | { raw: string } | { hang: true }

export interface FakeRequest {
  appid: string | null
  secret: string | null
  js_code: string | null
  grant_type: string | null
}

export interface FakeWechat {
  apiBase: string
  appId: string
  secret: string
  /** Every request received, in order. */
  requests: FakeRequest[]
  /** Makes `code` answer `steps` in turn; a successful step uses the code up. */
  issueCode(code: string, ...steps: FakeStep[]): void
  /** Issues a fresh code that logs `user` in. */
  codeFor(user: FakeUser): string
  requestsFor(code: string): FakeRequest[]
  close(): Promise<void>
}

const ERRMSG: Record<number, string> = {
  [-1]: 'system error',
  40013: 'invalid appid',
  40029: 'invalid code',
  40125: 'invalid appsecret',
  40163: 'code been used',
  40226: 'code blocked',
  41002: 'appid missing',
  41004: 'appsecret missing',
  41008: 'missing code',
  45011: 'api minute-quota reach limit  mustslower  retry next minute',
}

let codeCounter = 0

export async function startFakeWechat(options: { appId?: string; secret?: string } = {}): Promise<FakeWechat> {
  const appId = options.appId ?? 'wx0123456789abcdef'
  const secret = options.secret ?? 'fake-app-secret-0123456789abcdef'
  const scripts = new Map<string, FakeStep[]>()
  const used = new Set<string>()
  const requests: FakeRequest[] = []
  const sockets = new Set<Socket>()
  let rid = 0

  function answer(response: ServerResponse, body: Record<string, unknown>): void {
    // WeChat answers JSON labelled text/plain.
    response.writeHead(200, { 'content-type': 'text/plain' })
    response.end(JSON.stringify(body))
  }

  function fail(response: ServerResponse, errcode: number): void {
    rid += 1
    answer(response, { errcode, errmsg: `${ERRMSG[errcode] ?? 'error'}, rid: fake-${rid}` })
  }

  function handle(request: IncomingMessage, response: ServerResponse): void {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1')
    if (request.method !== 'GET' || url.pathname !== '/sns/jscode2session') {
      response.writeHead(404).end()
      return
    }
    const q = url.searchParams
    const seen: FakeRequest = {
      appid: q.get('appid'),
      secret: q.get('secret'),
      js_code: q.get('js_code'),
      grant_type: q.get('grant_type'),
    }
    requests.push(seen)
    if (seen.appid === null) return fail(response, 41002)
    if (seen.appid !== appId) return fail(response, 40013)
    if (seen.secret === null) return fail(response, 41004)
    if (seen.secret !== secret) return fail(response, 40125)
    if (seen.js_code === null) return fail(response, 41008)
    if (seen.grant_type !== 'authorization_code') return fail(response, 40029)
    const code = seen.js_code
    if (used.has(code)) return fail(response, 40163)
    const step = scripts.get(code)?.shift()
    if (step === undefined) return fail(response, 40029)
    if ('user' in step) {
      used.add(code)
      const { openid, sessionKey, unionid } = step.user
      return answer(response, { openid, session_key: sessionKey, ...(unionid === undefined ? {} : { unionid }) })
    }
    if ('errcode' in step) return fail(response, step.errcode)
    if ('httpStatus' in step) {
      response.writeHead(step.httpStatus, { 'content-type': 'text/html' })
      response.end('<html>upstream error</html>')
      return
    }
    if ('raw' in step) {
      response.writeHead(200, { 'content-type': 'text/plain' })
      response.end(step.raw)
      return
    }
    // hang: never answer; close() drops the connection.
  }

  const server = createServer(handle)
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo

  return {
    apiBase: `http://127.0.0.1:${port}`,
    appId,
    secret,
    requests,
    issueCode(code, ...steps) {
      scripts.set(code, steps)
    },
    codeFor(user) {
      codeCounter += 1
      const code = `0${codeCounter.toString(36).padStart(6, '0')}fakeCodeFromWxLogin${process.pid}`
      scripts.set(code, [{ user }])
      return code
    },
    requestsFor(code) {
      return requests.filter((r) => r.js_code === code)
    },
    async close() {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())))
    },
  }
}
