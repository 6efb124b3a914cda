/**
 * The app's user at each login: without `onLogin` the store's users table
 * gives each openid one id at its first login; with `onLogin` the app decides,
 * told whether the login is the openid's first. Either way `userId` (and
 * `claims`) are kept with the session and read in `request.loginSession`,
 * and unionid too when the mini-program is bound to an Open Platform account.
 */
import type { FastifyInstance } from 'fastify'
import { describe, expect, it } from 'vitest'
import { HttpError } from '../../src/server/index.ts'
import type { LoginHookInput } from '../../src/server/index.ts'
import { bearer, startFixture, useFixtures, type Fixture } from './helpers/server-fixture.ts'

const startClosedAfterEach = useFixtures()

/** A route of the app's own that shows what `request.loginSession` holds (less the session_key). */
function addWhoAmI(app: FastifyInstance): void {
  app.get('/whoami', { preHandler: app.authenticate }, async (request) => {
    const session = request.loginSession
    return { openid: session?.openid, unionid: session?.unionid ?? null, userId: session?.userId, claims: session?.claims ?? null }
  })
}

function fixture(...args: Parameters<typeof startFixture>): Promise<Fixture> {
  return startClosedAfterEach(args[0], args[1], addWhoAmI)
}

async function whoami(f: Fixture, token: string): Promise<Record<string, unknown>> {
  return (await f.app.inject({ method: 'GET', url: '/whoami', headers: bearer(token) })).json()
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

describe('without onLogin: the built-in users table', () => {
  it('gives each openid one id at its first login, kept at every later login and across devices', async () => {
    const f = await fixture()
    const first = await f.login()
    const again = await f.login(first.openid)
    const other = await f.login()
    const mine = await whoami(f, first.token)
    expect(mine).toMatchObject({ openid: first.openid, userId: expect.stringMatching(UUID), claims: null, unionid: null })
    expect((await whoami(f, again.token))['userId']).toBe(mine['userId'])
    expect((await whoami(f, other.token))['userId']).not.toBe(mine['userId'])
    const user = await f.store.users.get(first.openid)
    expect(user).toMatchObject({ userId: mine['userId'], firstLoginAt: expect.any(Number), lastLoginAt: expect.any(Number) })
    expect(user?.lastLoginAt).toBeGreaterThanOrEqual(user?.firstLoginAt ?? Infinity)
  })

  it('agrees on one id when the first logins of an openid race', async () => {
    const f = await fixture()
    const openid = 'oRacingFirstLogins'
    const sessions = await Promise.all(Array.from({ length: 5 }, () => f.login(openid)))
    const ids = await Promise.all(sessions.map(async ({ token }) => (await whoami(f, token))['userId']))
    expect(new Set(ids).size).toBe(1)
  })
})

describe('onLogin', () => {
  it("is told the openid and whether it is new; its userId and claims are the session's", async () => {
    const calls: LoginHookInput[] = []
    const f = await fixture({
      onLogin: (input) => {
        calls.push(input)
        return { userId: `app-user-for-${input.openid}`, claims: { role: input.isNewUser ? 'newcomer' : 'regular' } }
      },
    })
    const first = await f.login()
    const second = await f.login(first.openid)
    expect(calls).toEqual([
      { openid: first.openid, isNewUser: true },
      { openid: first.openid, isNewUser: false },
    ])
    expect(await whoami(f, first.token)).toMatchObject({ userId: `app-user-for-${first.openid}`, claims: { role: 'newcomer' } })
    expect(await whoami(f, second.token)).toMatchObject({ claims: { role: 'regular' } })
  })

  it('may be async, and may refuse the login with an HttpError: no session is created', async () => {
    const f = await fixture({
      onLogin: async ({ openid }) => {
        await new Promise((resolve) => setTimeout(resolve, 5))
        if (openid === 'oBannedUser') throw new HttpError(403, 'high_risk_user', 'this account is suspended')
        return { userId: openid.toUpperCase() }
      },
    })
    const refused = await f.app.inject({ method: 'POST', url: '/auth/login', payload: { code: await f.wechat.issueCode('oBannedUser') } })
    expect(refused.statusCode).toBe(403)
    expect(refused.json()).toEqual({ error: 'high_risk_user', message: 'this account is suspended' })
    // A refused first login is still a first login next time.
    expect(await f.store.users.startLogin('oBannedUser')).toMatchObject({ isNewUser: true })
    const fine = await f.login('oFineUser')
    expect((await whoami(f, fine.token))['userId']).toBe('OFINEUSER')
  })

  it('answering anything but { userId, claims? } fails the login with 500, no session, nothing echoed', async () => {
    const answers: unknown[] = [
      undefined,
      { userId: '' },
      { userId: 42 },
      { userId: 'ok', claims: 'no' },
      { userId: 'ok', claims: { big: 'x'.repeat(5000) } },
    ]
    let next = 0
    const f = await fixture({ onLogin: () => answers[next++] as { userId: string } })
    for (const answer of answers) {
      const response = await f.app.inject({ method: 'POST', url: '/auth/login', payload: { code: await f.wechat.issueCode() } })
      expect(response.statusCode, JSON.stringify(answer)).toBe(500)
      expect(response.json()).toEqual({ error: 'internal_error', message: 'the server failed' })
    }
  })

  it('must be a function', async () => {
    await expect(startFixture({ onLogin: 'yes' as never })).rejects.toThrow(/onLogin must be a function/)
  })
})

describe('unionid', () => {
  it('comes from code2Session for a mini-program bound to an Open Platform account, into the session and the user', async () => {
    const f = await fixture({}, { openPlatformBound: true })
    const { token, openid } = await f.login()
    const unionid = f.wechat.unionIdFor(openid)
    expect(unionid).toMatch(/^o[A-Za-z0-9_-]{27}$/)
    expect(await whoami(f, token)).toMatchObject({ openid, unionid })
    expect((await f.store.users.get(openid))?.unionid).toBe(unionid)
  })

  it('reaches onLogin too', async () => {
    const seen: LoginHookInput[] = []
    const f = await fixture(
      {
        onLogin: (input) => {
          seen.push(input)
          return { userId: input.unionid ?? input.openid }
        },
      },
      { openPlatformBound: true },
    )
    const { token, openid } = await f.login()
    expect(seen).toEqual([{ openid, unionid: f.wechat.unionIdFor(openid), isNewUser: true }])
    expect((await whoami(f, token))['userId']).toBe(f.wechat.unionIdFor(openid))
  })

  it('is absent when the mini-program is not bound', async () => {
    const f = await fixture()
    const { token } = await f.login()
    expect((await whoami(f, token))['unionid']).toBeNull()
  })
})
