/**
 * The login machine's effects, driven directly (`createLoginEffects`) with the
 * fake platform and server, without the client's wx.login gate in front: what
 * the machine gets back from each step (the code, the error code and message),
 * what storage holds and what clock offset is adopted, and that at most one
 * wx.login is in flight.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { StopSignal } from '../../machines/index.ts'
import { createClientEvents } from '../../src/client/client-events.ts'
import { createLoginEffects } from '../../src/client/login-effects.ts'
import { createServerClock, type ServerClock } from '../../src/client/server-clock.ts'
import { loginRejection } from '../support/rejection.ts'
import { createFakeServices, HOUR, type FakeServices } from '../support/services/index.ts'

const KEY = 'effects-test:session'
const GOING: StopSignal = { aborted: false }
const STOPPED: StopSignal = { aborted: true }
/** A server time well inside what reads as epoch milliseconds. */
const SERVER_NOW = 2e12

function effectsFor(services: FakeServices, clock: ServerClock = createServerClock()) {
  const events = createClientEvents()
  const effects = createLoginEffects({
    platform: services.platform,
    server: services.server,
    storageKey: KEY,
    events,
    clock,
    random: () => 0.5,
    logoutTimeoutMs: 1_000,
  })
  return { effects, events, clock }
}

describe('login effects: what an inspector sees', () => {
  it('serialise to their name only, hiding the platform, server and state behind them', () => {
    const { effects } = effectsFor(createFakeServices())
    expect(JSON.stringify({ effects })).toBe('{"effects":{"type":"LoginEffects"}}')
  })
})

describe('login effects: the stored session', () => {
  it('read nothing stored as null, and adopt no clock offset', async () => {
    const { effects, clock } = effectsFor(createFakeServices())
    await expect(effects.readSession()).resolves.toBeNull()
    expect(clock.offsetMs).toBeUndefined()
  })

  it('adopt the clock offset stored with the session, so the next launch judges expiry in server time', async () => {
    const services = createFakeServices()
    services.storage.set(KEY, { token: 'stored', expiresAt: SERVER_NOW, serverOffsetMs: -90_000 })
    const { effects, clock } = effectsFor(
      services,
      createServerClock(() => SERVER_NOW),
    )
    await expect(effects.readSession()).resolves.toStrictEqual({ token: 'stored', expiresAt: SERVER_NOW, serverOffsetMs: -90_000 })
    expect(clock.offsetMs).toBe(-90_000)
    expect(clock.now()).toBe(SERVER_NOW - 90_000)
  })

  it('report a stored value that fails as it is read as a storage_error of the read, and reject', async () => {
    const services = createFakeServices()
    const unreadable = Object.defineProperty({ expiresAt: SERVER_NOW }, 'token', {
      enumerable: true,
      get() {
        throw new Error('the remote store dropped the connection')
      },
    })
    services.answers.readSession = () => unreadable
    const { effects, events } = effectsFor(services)
    const reported: string[] = []
    events.on('storage_error', (event) => reported.push(`${event.operation}:${event.error.code}`))
    await expect(effects.readSession()).rejects.toThrow('the remote store dropped the connection')
    expect(reported).toEqual(['read:storage_error'])
  })

  it('store the offset the clock knows with the session, and keep the one a session carries while the clock knows none', () => {
    const services = createFakeServices()
    const clock = createServerClock(() => SERVER_NOW)
    const { effects } = effectsFor(services, clock)
    effects.persistSession({ token: 'carried', expiresAt: SERVER_NOW + HOUR, serverOffsetMs: 500 })
    expect(services.storage.get(KEY)).toStrictEqual({ token: 'carried', expiresAt: SERVER_NOW + HOUR, serverOffsetMs: 500 })
    clock.observe(SERVER_NOW + 2_000)
    effects.persistSession({ token: 'observed', expiresAt: SERVER_NOW + HOUR, confirmedAt: SERVER_NOW })
    expect(services.storage.get(KEY)).toStrictEqual({
      token: 'observed',
      expiresAt: SERVER_NOW + HOUR,
      confirmedAt: SERVER_NOW,
      serverOffsetMs: 2_000,
    })
    expect(services.storageViolations).toEqual([])
  })
})

describe('login effects: the platform steps', () => {
  it('read a failed wx.checkSession as session_expired, keeping what the platform said', async () => {
    const cause = new Error('checkSession:fail session expired')
    const services = createFakeServices({
      answers: {
        checkWxSession: () => {
          throw cause
        },
      },
    })
    const error = await loginRejection(effectsFor(services).effects.checkWxSession())
    expect([error.code, error.cause]).toEqual(['session_expired', cause])
  })

  it('refuse a wx.login that answered null or nothing with invalid_response, not a crash', async () => {
    for (const answer of [null, undefined]) {
      const services = createFakeServices({ answers: { wxLogin: () => answer as never } })
      const error = await loginRejection(effectsFor(services).effects.wxLogin({ timeout: 1_000, signal: GOING }))
      expect([error.code, error.message], String(answer)).toEqual(['invalid_response', 'wx.login answered without a code'])
    }
  })

  it('make no wx.login call once the machine has moved on (an aborted signal)', async () => {
    const services = createFakeServices()
    const error = await loginRejection(effectsFor(services).effects.wxLogin({ timeout: 1_000, signal: STOPPED }))
    expect(error.code).toBe('aborted')
    expect(services.count('wxLogin')).toBe(0)
  })
})

describe('login effects: one wx.login at a time', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })

  afterEach(() => {
    vi.useRealTimers()
  })

  it('start a second wx.login only once the first has settled, and hand each its own code', async () => {
    const services = createFakeServices({ hold: ['wxLogin'] })
    const { effects } = effectsFor(services)
    const first = effects.wxLogin({ timeout: 1_000, signal: GOING })
    const second = effects.wxLogin({ timeout: 1_000, signal: GOING })
    await vi.advanceTimersByTimeAsync(500)
    expect(services.count('wxLogin')).toBe(1)
    services.resolve('wxLogin', { code: 'first-code' })
    await expect(first).resolves.toEqual({ code: 'first-code' })
    await vi.advanceTimersByTimeAsync(0)
    expect(services.count('wxLogin')).toBe(2)
    services.resolve('wxLogin', { code: 'second-code' })
    await expect(second).resolves.toEqual({ code: 'second-code' })
  })

  it('let callers that waited for the same wx.login go one at a time: never two wx.login calls in flight', async () => {
    const services = createFakeServices({ hold: ['wxLogin'] })
    const { effects } = effectsFor(services)
    const first = effects.wxLogin({ timeout: 1_000, signal: GOING })
    const second = effects.wxLogin({ timeout: 1_000, signal: GOING })
    const third = effects.wxLogin({ timeout: 1_000, signal: GOING })
    services.resolve('wxLogin', { code: 'first-code' })
    await expect(first).resolves.toEqual({ code: 'first-code' })
    await vi.advanceTimersByTimeAsync(0)
    expect(services.pending('wxLogin')).toHaveLength(1)
    services.resolve('wxLogin', { code: 'second-code' })
    await expect(second).resolves.toEqual({ code: 'second-code' })
    await vi.advanceTimersByTimeAsync(0)
    expect(services.pending('wxLogin')).toHaveLength(1)
    services.resolve('wxLogin', { code: 'third-code' })
    await expect(third).resolves.toEqual({ code: 'third-code' })
    expect(services.count('wxLogin')).toBe(3)
  })

  it('end a wait for an earlier wx.login that never answers in timeout, without starting another', async () => {
    const services = createFakeServices({ hold: ['wxLogin'] })
    const { effects } = effectsFor(services)
    void effects.wxLogin({ timeout: 1_000, signal: GOING })
    const second = loginRejection(effects.wxLogin({ timeout: 2_000, signal: GOING }))
    await vi.advanceTimersByTimeAsync(2_000)
    const error = await second
    expect([error.code, error.message]).toEqual(['timeout', 'an earlier wx.login has not answered yet'])
    expect(services.count('wxLogin')).toBe(1)
  })
})

describe('login effects: the server login', () => {
  function answering(session: unknown) {
    return createFakeServices({ answers: { serverLogin: async () => session as never } })
  }

  it('refuse a session the server answers with no life left (expiresIn 0 or negative) with invalid_response', async () => {
    for (const expiresIn of [0, -1, -HOUR]) {
      const { effects } = effectsFor(answering({ token: 't', expiresAt: SERVER_NOW, expiresIn }))
      const error = await loginRejection(effects.serverLogin({ code: 'c', signal: GOING }))
      expect([error.code, error.message], `expiresIn ${expiresIn}`).toEqual([
        'invalid_response',
        'the developer server answered a session that has already expired',
      ])
    }
  })

  it('judge a session with life left by its own expiresIn, however far the device clock moves meanwhile', async () => {
    let device = SERVER_NOW
    // Every read of the device clock finds it a minute later: the answer's expiresIn still decides.
    const clock = createServerClock(() => (device += 60_000))
    const { effects } = effectsFor(answering({ token: 't', expiresAt: SERVER_NOW + 1_000, expiresIn: 1_000 }), clock)
    await expect(effects.serverLogin({ code: 'c', signal: GOING })).resolves.toStrictEqual({ token: 't', expiresAt: SERVER_NOW + 1_000 })
  })

  it('refuse a session without expiresIn whose expiresAt has passed in the server time the clock knows', async () => {
    const clock = createServerClock(() => SERVER_NOW)
    clock.observe(SERVER_NOW + HOUR)
    const { effects } = effectsFor(answering({ token: 't', expiresAt: SERVER_NOW + HOUR - 1 }), clock)
    const error = await loginRejection(effects.serverLogin({ code: 'c', signal: GOING }))
    expect(error.code).toBe('invalid_response')
  })

  it('reject with aborted once the machine has moved on, and end the unwanted session at the server', async () => {
    const services = createFakeServices()
    const { effects } = effectsFor(services)
    const error = await loginRejection(effects.serverLogin({ code: 'c', signal: STOPPED }))
    expect(error.code).toBe('aborted')
    await effects.takePendingLogout()
    expect(services.logouts.map((session) => session.token)).toEqual(['token-1'])
  })
})
