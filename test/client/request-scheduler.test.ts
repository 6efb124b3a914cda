/** wx.request's 10 slots: the client never uses more, and the login's own requests go first. */
import { describe, expect, it } from 'vitest'
import { createLoginClient, createRequestScheduler, LoginError, wechatPlatform } from '../../src/index.ts'
import type { PlatformRequestOptions, PlatformResponse } from '../../src/index.ts'
import { deferred, type Deferred } from '../support/services/index.ts'
import { createFakeServices, HOUR } from '../support/services/index.ts'
import { fakeWx } from '../platform/fakes/fake-wx.ts'

const API = 'https://api.example.com'

async function ticks(n = 5): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve))
}

describe('createRequestScheduler', () => {
  it('runs at most `limit` tasks at once and starts the next as one settles', async () => {
    const scheduler = createRequestScheduler({ maxConcurrent: 2 })
    const gates: Deferred<number>[] = []
    let peak = 0
    const results = Array.from({ length: 5 }, (_, i) =>
      scheduler.schedule(() => {
        peak = Math.max(peak, scheduler.inFlight)
        const gate = deferred<number>()
        gates[i] = gate
        return gate.promise
      }),
    )
    const outcomes = Promise.allSettled(results)
    await ticks()
    expect([scheduler.inFlight, scheduler.queued]).toEqual([2, 3])
    gates[0]?.resolve(0)
    await ticks()
    expect([scheduler.inFlight, scheduler.queued]).toEqual([2, 2])
    gates[1]?.reject(new Error('failed'))
    await ticks()
    for (let i = 2; i < 5; i++) {
      gates[i]?.resolve(i)
      await ticks()
    }
    await expect(outcomes).resolves.toMatchObject([
      { status: 'fulfilled', value: 0 },
      { status: 'rejected' },
      { status: 'fulfilled', value: 2 },
      { status: 'fulfilled', value: 3 },
      { status: 'fulfilled', value: 4 },
    ])
    expect(peak).toBe(2)
    expect([scheduler.inFlight, scheduler.queued]).toEqual([0, 0])
  })

  it('starts queued login tasks before queued app tasks, each kind in order; a task that throws frees its slot', async () => {
    const scheduler = createRequestScheduler({ maxConcurrent: 1 })
    const started: string[] = []
    const blocker = deferred<void>()
    const first = scheduler.schedule(() => blocker.promise)
    const run = (name: string, priority: 'login' | 'app') =>
      scheduler.schedule(
        async () => {
          started.push(name)
        },
        { priority },
      )
    const queued = [run('app-1', 'app'), run('login-1', 'login'), run('app-2', 'app'), run('login-2', 'login')]
    const throwing = scheduler.schedule(() => {
      throw new Error('sync throw')
    })
    const after = run('app-3', 'app')
    blocker.resolve()
    await first
    await Promise.all(queued)
    await expect(throwing).rejects.toThrow('sync throw')
    await after
    expect(started).toEqual(['login-1', 'login-2', 'app-1', 'app-2', 'app-3'])
  })

  it('cancelQueued rejects only the waiting tasks of that owner', async () => {
    const scheduler = createRequestScheduler({ maxConcurrent: 1 })
    const mine = {}
    const blocker = deferred<string>()
    const running = scheduler.schedule(() => blocker.promise, { owner: mine })
    const waitingMine = scheduler.schedule(async () => 'mine', { owner: mine })
    const waitingOther = scheduler.schedule(async () => 'other', { owner: {} })
    expect(scheduler.cancelQueued(mine, new LoginError('aborted'))).toBe(1)
    await expect(waitingMine).rejects.toMatchObject({ code: 'aborted' })
    blocker.resolve('running')
    await expect(running).resolves.toBe('running')
    await expect(waitingOther).resolves.toBe('other')
  })

  it.each([0, -1, 2.5, Number.NaN])('refuses a limit of %s', (limit) => {
    expect(() => createRequestScheduler({ maxConcurrent: limit })).toThrow(RangeError)
  })

  it('defaults to WeChat’s 10; Infinity means no limit', async () => {
    expect(createRequestScheduler().limit).toBe(10)
    const unlimited = createRequestScheduler({ maxConcurrent: Number.POSITIVE_INFINITY })
    const gate = deferred<void>()
    const all = Array.from({ length: 50 }, () => unlimited.schedule(() => gate.promise))
    expect([unlimited.inFlight, unlimited.queued]).toEqual([50, 0])
    gate.resolve()
    await Promise.all(all)
  })
})

describe('the client over the scheduler', () => {
  it('a 401 storm of 30 requests: never more than 10 at the platform, one re-login, the login request ahead of the queued replays', async () => {
    const services = createFakeServices()
    const order: string[] = []
    let inFlight = 0
    let peak = 0
    let current = 'tok-1'
    let logins = 0
    services.answers.request = async (options: PlatformRequestOptions): Promise<PlatformResponse> => {
      inFlight += 1
      peak = Math.max(peak, inFlight)
      order.push(options.url.replace(API, ''))
      await new Promise((resolve) => setTimeout(resolve, 5))
      inFlight -= 1
      if (options.url.endsWith('/auth/login')) {
        logins += 1
        current = `tok-${logins}`
        return { statusCode: 200, data: { token: current, expiresAt: Date.now() + HOUR, expiresIn: HOUR } }
      }
      if (options.url.endsWith('/auth/session')) return { statusCode: 200, data: {} }
      return options.header?.Authorization === `Bearer ${current}` ? { statusCode: 200, data: {} } : { statusCode: 401, data: {} }
    }
    const client = createLoginClient({ platform: services.platform, server: { baseUrl: API } })
    await client.ensureLogin()
    current = 'revoked'
    const responses = await Promise.all(Array.from({ length: 30 }, (_, i) => client.request({ url: `${API}/r/${i}` })))
    expect(responses.every((r) => r.statusCode === 200)).toBe(true)
    expect(peak).toBeLessThanOrEqual(10)
    expect(logins).toBe(2)
    // The re-login went out ahead of the first tries still queued: at most the one that took the
    // slot freed by the first 401 (before the login was even asked for) started before it.
    const relogin = order.lastIndexOf('/auth/login')
    expect(order.slice(relogin + 1).filter((url) => url.startsWith('/r/')).length).toBeGreaterThanOrEqual(30 + 19)
    client.stop()
  })

  it('shares a scheduler the app passes in, and shows how many slots are in use', async () => {
    const scheduler = createRequestScheduler({ maxConcurrent: 3 })
    const services = createFakeServices()
    const hold = deferred<PlatformResponse>()
    services.answers.request = () => hold.promise
    const client = createLoginClient({ platform: services.platform, server: services.server, apiBaseUrl: API, requestScheduler: scheduler })
    expect(client.requestScheduler).toBe(scheduler)
    await client.ensureLogin()
    // The app's own wx.uploadFile, say, takes two slots.
    const upload = deferred<void>()
    const uploads = [scheduler.schedule(() => upload.promise), scheduler.schedule(() => upload.promise)]
    const requests = [client.request({ url: `${API}/a` }), client.request({ url: `${API}/b` })]
    await ticks()
    expect([scheduler.inFlight, scheduler.queued]).toEqual([3, 1])
    expect(services.count('request')).toBe(1)
    upload.resolve()
    hold.resolve({ statusCode: 200, data: {} })
    await Promise.all([...uploads, ...requests])
    expect(services.count('request')).toBe(2)
    client.stop()
  })
})

describe('request:fail interrupted (the app went to the background with the request running)', () => {
  it('is a transient network error for request(), which is not replayed', async () => {
    const { wx } = fakeWx()
    let calls = 0
    wx.request = ((option: WechatMiniprogram.RequestOption) => {
      calls += 1
      setTimeout(() => option.fail?.({ errMsg: 'request:fail interrupted', errno: 600003 } as never), 0)
      return { abort() {} } as WechatMiniprogram.RequestTask
    }) as typeof wx.request
    const services = createFakeServices()
    const client = createLoginClient({
      platform: { ...wechatPlatform(wx), storage: services.platform.storage },
      server: services.server,
      apiBaseUrl: API,
    })
    await client.ensureLogin()
    const error = (await client.request({ url: `${API}/orders` }).catch((e: unknown) => e)) as LoginError
    expect(error).toBeInstanceOf(LoginError)
    expect(error).toMatchObject({ code: 'network', transient: true })
    expect(error.message).toContain('interrupted')
    expect(calls).toBe(1)
    client.stop()
  })
})

describe('stop() with requests waiting for a slot', () => {
  it('rejects a request still queued with aborted, and never sends it with the token', async () => {
    const services = createFakeServices()
    const hold = deferred<PlatformResponse>()
    services.answers.request = () => hold.promise
    const client = createLoginClient({ platform: services.platform, server: services.server, apiBaseUrl: API, maxConcurrentRequests: 1 })
    await client.ensureLogin()
    const first = client.request({ url: `${API}/a` })
    const queued = client.request({ url: `${API}/b` }).catch((e: unknown) => e)
    await ticks()
    expect([client.requestScheduler.inFlight, client.requestScheduler.queued]).toEqual([1, 1])
    client.stop()
    expect(client.requestScheduler.queued).toBe(0)
    hold.resolve({ statusCode: 200, data: {} })
    await first
    await expect(queued).resolves.toMatchObject({ code: 'aborted' })
    expect(services.count('request')).toBe(1)
  })
})

/**
 * A client over the HTTP server, sharing a one-slot scheduler that the app's
 * own upload holds until `releaseUpload()`; `sent` lists the paths that went out.
 */
function clientBehindAnUpload() {
  const scheduler = createRequestScheduler({ maxConcurrent: 1 })
  const services = createFakeServices()
  const sent: string[] = []
  services.answers.request = async (options: PlatformRequestOptions): Promise<PlatformResponse> => {
    sent.push(options.url.replace(API, ''))
    if (options.url.endsWith('/auth/logout')) return { statusCode: 204, data: '' }
    return { statusCode: 200, data: { token: 'tok', expiresAt: Date.now() + HOUR, expiresIn: HOUR } }
  }
  const client = createLoginClient({ platform: services.platform, server: { baseUrl: API }, requestScheduler: scheduler })
  const upload = deferred<void>()
  let uploading: Promise<void> | undefined
  return {
    scheduler,
    services,
    sent,
    client,
    holdTheSlot: () => {
      uploading = scheduler.schedule(() => upload.promise)
    },
    releaseUpload: async () => {
      upload.resolve()
      await uploading
    },
    /** Waits until something of the client's is queued behind the upload. */
    queuedBehind: async () => {
      for (let i = 0; i < 50 && scheduler.queued === 0; i += 1) await ticks()
      expect(scheduler.queued).toBe(1)
    },
  }
}

describe('stop() with the login itself waiting for a slot', () => {
  it('never sends the queued server login: no code spent, no session made that nobody keeps', async () => {
    const { scheduler, services, sent, client, holdTheSlot, releaseUpload, queuedBehind } = clientBehindAnUpload()
    holdTheSlot()
    const login = client.ensureLogin().catch((e: unknown) => e)
    await queuedBehind()
    client.stop()
    expect(scheduler.queued).toBe(0)
    await releaseUpload()
    await expect(login).resolves.toMatchObject({ code: 'aborted' })
    await ticks()
    expect(sent).toEqual([])
    expect(services.count('wxLogin')).toBe(1)
  })

  it('still sends a logout that waits for a slot when stop() comes, so the server session ends', async () => {
    const { sent, client, holdTheSlot, releaseUpload, queuedBehind } = clientBehindAnUpload()
    await client.ensureLogin()
    holdTheSlot()
    const logout = client.logout()
    await queuedBehind()
    client.stop()
    await releaseUpload()
    await logout
    expect(sent).toEqual(['/auth/login', '/auth/logout'])
  })
})

describe('logout() or stop() with an account call waiting for a slot', () => {
  it('drops the queued call: the token never goes out with it, and the call rejects aborted', async () => {
    for (const end of ['logout', 'stop'] as const) {
      for (const method of ['bindPhoneNumber', 'refreshSessionKey'] as const) {
        const label = `${method} ${end}`
        const { scheduler, sent, client, holdTheSlot, releaseUpload, queuedBehind } = clientBehindAnUpload()
        await client.ensureLogin()
        holdTheSlot()
        const call = (method === 'bindPhoneNumber' ? client.bindPhoneNumber('phone-code') : client.refreshSessionKey()).catch(
          (e: unknown) => e,
        )
        await queuedBehind()
        const ending = end === 'logout' ? client.logout() : Promise.resolve(client.stop())
        await ticks()
        // The logout's own request waits for the slot in its place: only the account call left the queue.
        expect(scheduler.queued, label).toBe(end === 'logout' ? 1 : 0)
        await releaseUpload()
        await ending
        await expect(call, label).resolves.toMatchObject({ code: 'aborted' })
        expect(sent, label).toEqual(end === 'logout' ? ['/auth/login', '/auth/logout'] : ['/auth/login'])
        client.stop()
      }
    }
  })
})
