/**
 * The client's calls beside the login, in-process: `bindPhoneNumber` reads
 * the button's answer into a code or a typed failure, and replays once on a
 * 401; `refreshSessionKey` makes one `wx.login` (never beside another) and
 * keeps the session. The HTTP side is tested end to end in test/e2e.
 */
import { describe, expect, it, vi } from 'vitest'
import { createLoginClient, isLoginError, LoginError, PHONE_QUOTA_EXHAUSTED_ERRNO } from '../../src/index.ts'
import type { PhoneNumber, Session } from '../../src/index.ts'
import { phoneCodeOf } from '../../src/client/phone-number.ts'
import { withOneWxLogin } from '../../src/client/wx-login-gate.ts'
import { loginRejection } from '../support/rejection.ts'
import { createFakeServices, deferred, never } from '../support/services/index.ts'

const PHONE: PhoneNumber = { phoneNumber: '13800138000', purePhoneNumber: '13800138000', countryCode: '86' }

function codeOf(run: () => unknown): string {
  try {
    run()
  } catch (error) {
    if (isLoginError(error)) return error.code
    throw error
  }
  return 'no error'
}

/** The LoginError `run` throws, for tests that read its message as well as its code. */
function errorOf(run: () => unknown): LoginError {
  try {
    run()
  } catch (error) {
    if (isLoginError(error)) return error
    throw error
  }
  throw new Error('expected a LoginError')
}

describe("the getPhoneNumber button's answer", () => {
  it('gives its code, from e.detail or as it is', () => {
    expect(phoneCodeOf({ code: 'c0de', errMsg: 'getPhoneNumber:ok' })).toBe('c0de')
    expect(phoneCodeOf('c0de')).toBe('c0de')
  })

  it('is a typed failure when there is no code: quota, refusal, privacy, anything else', () => {
    expect(codeOf(() => phoneCodeOf({ errMsg: 'getPhoneNumber:fail no quota', errno: PHONE_QUOTA_EXHAUSTED_ERRNO }))).toBe(
      'phone_quota_exhausted',
    )
    expect(codeOf(() => phoneCodeOf({ errMsg: 'getPhoneNumber:fail user deny' }))).toBe('phone_denied')
    expect(codeOf(() => phoneCodeOf({ errMsg: 'getPhoneNumber:fail:user deny' }))).toBe('phone_denied')
    expect(codeOf(() => phoneCodeOf({ errMsg: 'getPhoneNumber:fail privacy permission is not authorized' }))).toBe('phone_denied')
    expect(codeOf(() => phoneCodeOf({ errMsg: 'getPhoneNumber:fail system error', errno: 1 }))).toBe('invalid_request')
    expect(codeOf(() => phoneCodeOf({ code: '' }))).toBe('invalid_request')
    expect(codeOf(() => phoneCodeOf(''))).toBe('invalid_request')
    expect(codeOf(() => phoneCodeOf(null as never))).toBe('invalid_request')
  })

  it('says in its message what was wrong, quoting what the button said and nothing it did not', () => {
    expect(errorOf(() => phoneCodeOf('')).message).toBe('bindPhoneNumber(): the code is empty')
    // An app that passes `e.detail.code` of a button that gave none passes undefined.
    for (const input of [undefined, 42]) {
      const error = errorOf(() => phoneCodeOf(input as never))
      expect(error.code).toBe('invalid_request')
      expect(error.message).toBe("bindPhoneNumber(): pass the button's e.detail or its code")
    }
    expect(errorOf(() => phoneCodeOf({ errno: PHONE_QUOTA_EXHAUSTED_ERRNO })).message).toBe(
      'getPhoneNumber failed with errno 1400001: the quota is used up',
    )
    expect(errorOf(() => phoneCodeOf({ errMsg: 'getPhoneNumber:fail user deny' })).message).toBe(
      'getPhoneNumber gave no code: getPhoneNumber:fail user deny',
    )
    expect(errorOf(() => phoneCodeOf({ errMsg: 'getPhoneNumber:fail system error', errno: 1 })).message).toBe(
      'getPhoneNumber gave no code: getPhoneNumber:fail system error',
    )
    // No errMsg (or one that is not text): the message ends there, with no "undefined" and no dangling colon.
    for (const detail of [{ errno: 1 }, { errMsg: 7 as never }, { errMsg: '' }]) {
      const error = errorOf(() => phoneCodeOf(detail))
      expect(error.code).toBe('invalid_request')
      expect(error.message).toBe('getPhoneNumber gave no code')
    }
  })
})

describe('bindPhoneNumber', () => {
  it('sends the code with the session and answers the number', async () => {
    const services = createFakeServices()
    const sent: Array<{ session: Session; code: string }> = []
    services.server.bindPhoneNumber = async (session, code) => {
      sent.push({ session, code })
      return PHONE
    }
    const client = createLoginClient({ platform: services.platform, server: services.server })
    expect(await client.bindPhoneNumber({ code: 'phone-code-1', errMsg: 'getPhoneNumber:ok' })).toEqual(PHONE)
    expect(sent).toEqual([{ session: expect.objectContaining({ token: 'token-1' }), code: 'phone-code-1' }])
    client.stop()
  })

  it('on a 401 logs in again once and sends the same code with the new session, once', async () => {
    const services = createFakeServices()
    const tokens: string[] = []
    services.server.bindPhoneNumber = async (session) => {
      tokens.push(session.token)
      if (session.token === 'token-1') throw new LoginError('session_expired')
      return PHONE
    }
    const client = createLoginClient({ platform: services.platform, server: services.server })
    expect(await client.bindPhoneNumber('phone-code')).toEqual(PHONE)
    expect(tokens).toEqual(['token-1', 'token-2'])
    expect(services.count('serverLogin')).toBe(2)

    services.server.bindPhoneNumber = async () => {
      throw new LoginError('session_expired')
    }
    await expect(client.bindPhoneNumber('phone-code')).rejects.toMatchObject({ code: 'session_expired' })
    expect(services.count('serverLogin')).toBe(3)
    client.stop()
  })

  it("passes the server's refusal on as it is, and never asks the server without a code", async () => {
    const services = createFakeServices()
    let calls = 0
    services.server.bindPhoneNumber = async () => {
      calls += 1
      throw new LoginError('invalid_phone_code')
    }
    const client = createLoginClient({ platform: services.platform, server: services.server })
    await expect(client.bindPhoneNumber('used-code')).rejects.toMatchObject({ code: 'invalid_phone_code', transient: false })
    await expect(client.bindPhoneNumber({ errMsg: 'getPhoneNumber:fail', errno: PHONE_QUOTA_EXHAUSTED_ERRNO })).rejects.toMatchObject({
      code: 'phone_quota_exhausted',
    })
    expect(calls).toBe(1)
    client.stop()
  })

  it('is invalid_request with a SessionServer that cannot bind phone numbers', async () => {
    const services = createFakeServices()
    const client = createLoginClient({ platform: services.platform, server: services.server })
    await expect(client.bindPhoneNumber('x')).rejects.toMatchObject({ code: 'invalid_request' })
    client.stop()
  })

  it('says which method the SessionServer lacks, before logging in for nothing', async () => {
    const services = createFakeServices()
    const client = createLoginClient({ platform: services.platform, server: services.server })
    const error = await loginRejection(client.bindPhoneNumber('x'))
    expect(error.message).toBe('bindPhoneNumber(): the SessionServer has no bindPhoneNumber()')
    expect(services.count('serverLogin')).toBe(0)
    client.stop()
  })

  it('on a 401 for a session the client has already replaced, sends the code with the newer session and logs in no more', async () => {
    const services = createFakeServices()
    const tokens: string[] = []
    const client = createLoginClient({ platform: services.platform, server: services.server })
    services.server.bindPhoneNumber = async (session) => {
      tokens.push(session.token)
      if (session.token !== 'token-1') return PHONE
      // While the call was on its way, a refresh found the session gone and logged in again.
      services.answers.checkServerSession = async () => false
      await client.refresh()
      throw new LoginError('session_expired')
    }
    expect(await client.bindPhoneNumber('phone-code')).toEqual(PHONE)
    expect(tokens).toEqual(['token-1', 'token-2'])
    expect(services.count('serverLogin')).toBe(2)
    expect(client.getSnapshot().context.session?.token).toBe('token-2')
    client.stop()
  })
})

describe('refreshSessionKey', () => {
  it('makes one wx.login for any number of concurrent callers and keeps the session', async () => {
    const services = createFakeServices()
    const refreshed: Array<{ token: string; code: string }> = []
    services.server.refreshSessionKey = async (session, code) => {
      refreshed.push({ token: session.token, code })
    }
    const client = createLoginClient({ platform: services.platform, server: services.server })
    const session = await client.ensureLogin()
    await Promise.all(Array.from({ length: 10 }, () => client.refreshSessionKey()))
    expect(refreshed).toEqual([{ token: session.token, code: 'code-2' }])
    expect(services.count('wxLogin')).toBe(2)
    expect(services.count('serverLogin')).toBe(1)
    expect(client.getSnapshot().context.session).toEqual(session)
    client.stop()
  })

  it('on a 401 or a code of another user, logs in again instead: the fresh login stores the newest key itself', async () => {
    for (const refusal of ['session_expired', 'user_mismatch'] as const) {
      const services = createFakeServices()
      services.server.refreshSessionKey = async () => {
        throw new LoginError(refusal)
      }
      const client = createLoginClient({ platform: services.platform, server: services.server })
      await client.ensureLogin()
      await client.refreshSessionKey()
      expect(client.getSnapshot().context.session?.token, refusal).toBe('token-2')
      // One wx.login for the refresh, one for the new login; two server logins in all.
      expect(services.count('wxLogin')).toBe(3)
      expect(services.count('serverLogin')).toBe(2)
      client.stop()
    }
  })

  it('rejects with the failure otherwise, leaving the session alone', async () => {
    const services = createFakeServices()
    services.server.refreshSessionKey = async () => {
      throw new LoginError('server_error')
    }
    const client = createLoginClient({ platform: services.platform, server: services.server })
    const session = await client.ensureLogin()
    await expect(client.refreshSessionKey()).rejects.toMatchObject({ code: 'server_error' })
    expect(client.getSnapshot().context.session).toEqual(session)
    services.answers.wxLogin = async () => {
      throw new LoginError('wx_login_failed', 'login:fail system error')
    }
    await expect(client.refreshSessionKey()).rejects.toMatchObject({ code: 'wx_login_failed' })
    client.stop()
  })

  it("gives its wx.login the client's wxLogin timeout", async () => {
    const services = createFakeServices()
    const timeouts: number[] = []
    services.answers.wxLogin = async (opts) => {
      timeouts.push(opts.timeout)
      return { code: `code-${timeouts.length}` }
    }
    services.server.refreshSessionKey = async () => {}
    const client = createLoginClient({ platform: services.platform, server: services.server, timeouts: { wxLogin: 4_321 } })
    await client.ensureLogin()
    await client.refreshSessionKey()
    // The login's wx.login, then the refresh's.
    expect(timeouts).toEqual([4_321, 4_321])
    client.stop()
  })

  it("rejects with wx.login's own failure: a timeout stays a timeout, a platform failure is wx_login_failed with it as the cause", async () => {
    const services = createFakeServices()
    let sent = 0
    services.server.refreshSessionKey = async () => {
      sent += 1
    }
    const client = createLoginClient({ platform: services.platform, server: services.server })
    await client.ensureLogin()
    services.answers.wxLogin = async () => {
      throw new LoginError('timeout', 'wx.login did not answer')
    }
    await expect(client.refreshSessionKey()).rejects.toMatchObject({ code: 'timeout', message: 'wx.login did not answer' })
    const platformFailure = { errMsg: 'login:fail system error' }
    services.answers.wxLogin = async () => {
      throw platformFailure
    }
    const error = await loginRejection(client.refreshSessionKey())
    expect(error.code).toBe('wx_login_failed')
    expect(error.cause).toBe(platformFailure)
    expect(sent).toBe(0)
    client.stop()
  })

  it('rejects with wx_login_failed, sending nothing, when wx.login answers without a code', async () => {
    const services = createFakeServices()
    let sent = 0
    services.server.refreshSessionKey = async () => {
      sent += 1
    }
    const client = createLoginClient({ platform: services.platform, server: services.server })
    const session = await client.ensureLogin()
    for (const answer of [{}, { code: '' }, { code: 42 }, undefined]) {
      services.answers.wxLogin = async () => answer as never
      const error = await loginRejection(client.refreshSessionKey())
      expect(error.code, JSON.stringify(answer)).toBe('wx_login_failed')
      expect(error.message).toBe('wx.login answered without a code')
    }
    expect(sent).toBe(0)
    expect(client.getSnapshot().context.session).toEqual(session)
    client.stop()
  })

  it('is invalid_request with a SessionServer that cannot refresh session keys, before any wx.login', async () => {
    const services = createFakeServices()
    const client = createLoginClient({ platform: services.platform, server: services.server })
    const error = await loginRejection(client.refreshSessionKey())
    expect(error.code).toBe('invalid_request')
    expect(error.message).toBe('refreshSessionKey(): the SessionServer has no refreshSessionKey()')
    expect(services.count('wxLogin')).toBe(0)
    client.stop()
  })
})

/**
 * A logged-in client whose refreshSessionKey() waits for its wx.login (`code`, answered by the test);
 * `sent` lists each `token code` the server was sent, `refresh` is the call's rejection.
 */
async function refreshWaitingForWxLogin() {
  const services = createFakeServices()
  const sent: string[] = []
  services.server.refreshSessionKey = async (session, code) => {
    sent.push(`${session.token} ${code}`)
  }
  const client = createLoginClient({ platform: services.platform, server: services.server })
  await client.ensureLogin()
  const code = deferred<{ code: string }>()
  services.answers.wxLogin = () => code.promise
  const refresh = loginRejection(client.refreshSessionKey())
  for (let i = 0; i < 50 && services.count('wxLogin') < 2; i += 1) await Promise.resolve()
  return { services, sent, client, code, refresh }
}

describe('account calls overtaken by logout() or stop()', () => {
  it('bindPhoneNumber called in the same turn as logout() never sends the ended token, and rejects aborted', async () => {
    const services = createFakeServices()
    const sent: string[] = []
    services.server.bindPhoneNumber = async (session) => {
      sent.push(session.token)
      return PHONE
    }
    const client = createLoginClient({ platform: services.platform, server: services.server })
    await client.ensureLogin()
    const bind = loginRejection(client.bindPhoneNumber('phone-code'))
    await client.logout()
    const error = await bind
    expect(error.code).toBe('aborted')
    expect(error.message).toBe('bindPhoneNumber(): logged out or stopped before it was sent')
    expect(sent).toEqual([])
    // Logged in again, the call goes out with the new session.
    const fresh = await client.ensureLogin()
    expect(await client.bindPhoneNumber('phone-code')).toEqual(PHONE)
    expect(sent).toEqual([fresh.token])
    client.stop()
  })

  it('bindPhoneNumber whose replay login is still running when logout() comes does not send the code again', async () => {
    const services = createFakeServices()
    const sent: string[] = []
    const client = createLoginClient({ platform: services.platform, server: services.server })
    services.server.bindPhoneNumber = async (session) => {
      sent.push(session.token)
      throw new LoginError('session_expired')
    }
    await client.ensureLogin()
    const relogin = deferred<Session>()
    services.answers.serverLogin = () => relogin.promise
    const bind = loginRejection(client.bindPhoneNumber('phone-code'))
    for (let i = 0; i < 50 && services.pending('serverLogin').length === 0; i += 1) await Promise.resolve()
    expect(services.pending('serverLogin')).toHaveLength(1)
    await client.logout()
    relogin.resolve(services.issueSession())
    expect((await bind).code).toBe('aborted')
    expect(sent).toEqual(['token-1'])
    client.stop()
  })

  it('refreshSessionKey whose wx.login is still pending when logout() or stop() comes never sends the code with the old token', async () => {
    for (const end of ['logout', 'stop'] as const) {
      const { services, sent, client, code, refresh } = await refreshWaitingForWxLogin()
      expect(services.count('wxLogin'), end).toBe(2)
      if (end === 'logout') await client.logout()
      else client.stop()
      code.resolve({ code: 'code-late' })
      const error = await refresh
      expect(error.code, end).toBe('aborted')
      expect(error.message, end).toBe('refreshSessionKey(): logged out or stopped before it was sent')
      expect(sent, end).toEqual([])
      client.stop()
    }
  })

  it('a refreshSessionKey after logout() and a new login does not join the one the logout ended', async () => {
    const { services, sent, client, code: late, refresh: ended } = await refreshWaitingForWxLogin()
    await client.logout()
    let codes = 0
    services.answers.wxLogin = async () => ({ code: `fresh-${(codes += 1)}` })
    // The new login waits for the late wx.login to settle (one at a time); the new refresh is of the new era.
    const login = client.ensureLogin()
    const current = client.refreshSessionKey()
    late.resolve({ code: 'code-late' })
    const session = await login
    await current
    expect((await ended).code).toBe('aborted')
    expect(sent).toEqual([`${session.token} fresh-2`])
    client.stop()
  })
})

describe('one wx.login at a time', () => {
  it('does not start a wx.login while another is running, and starts it as soon as that one settles', async () => {
    const services = createFakeServices()
    const first = deferred<{ code: string }>()
    let started = 0
    services.answers.wxLogin = async () => {
      started += 1
      return started === 1 ? first.promise : { code: 'second' }
    }
    const gated = withOneWxLogin(services.platform)
    const a = gated.login({ timeout: 5_000 })
    const b = gated.login({ timeout: 5_000 })
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(started).toBe(1)
    first.resolve({ code: 'first' })
    expect(await a).toEqual({ code: 'first' })
    expect(await b).toEqual({ code: 'second' })
    expect(started).toBe(2)
    // The gate passes everything else through.
    expect(gated.storage).toBe(services.platform.storage)
  })

  it('gives up with timeout when the one running does not settle within the time this one was given', async () => {
    const services = createFakeServices({ answers: { wxLogin: () => never() } })
    const gated = withOneWxLogin(services.platform)
    void gated.login({ timeout: 60_000 })
    await expect(gated.login({ timeout: 50 })).rejects.toMatchObject({ code: 'timeout' })
    expect(services.count('wxLogin')).toBe(1)
  })

  it('fails at once, saying why, when given no time while another wx.login runs, even if that one answers a moment later', async () => {
    // A frozen clock: the call's whole budget is exactly used up when it looks.
    vi.useFakeTimers({ toFake: ['Date'] })
    try {
      const services = createFakeServices()
      const first = deferred<{ code: string }>()
      services.answers.wxLogin = async () => (services.count('wxLogin') === 1 ? first.promise : { code: 'second' })
      const gated = withOneWxLogin(services.platform)
      const a = gated.login({ timeout: 5_000 })
      const b = loginRejection(gated.login({ timeout: 0 }))
      first.resolve({ code: 'first' })
      expect(await a).toEqual({ code: 'first' })
      const error = await b
      expect(error.code).toBe('timeout')
      expect(error.message).toBe('an earlier wx.login has not answered yet')
      expect(services.count('wxLogin')).toBe(1)
    } finally {
      vi.useRealTimers()
    }
  })

  it("keeps refreshSessionKey's wx.login from overlapping the login machine's", async () => {
    const services = createFakeServices()
    let running = 0
    let overlapped = false
    services.answers.wxLogin = async () => {
      running += 1
      if (running > 1) overlapped = true
      await new Promise((resolve) => setTimeout(resolve, 10))
      running -= 1
      return { code: `code-${Math.random()}` }
    }
    services.server.refreshSessionKey = async () => {}
    const client = createLoginClient({ platform: services.platform, server: services.server })
    await client.ensureLogin()
    // A refresh and a forced re-login (the server says the session expired) at the same moment.
    services.answers.checkServerSession = async () => false
    const refresh = client.refreshSessionKey()
    const relogin = client.refresh()
    await Promise.all([refresh, relogin])
    expect(overlapped).toBe(false)
    expect(services.count('wxLogin')).toBeGreaterThanOrEqual(3)
    client.stop()
  })
})
