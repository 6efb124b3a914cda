import { afterEach, describe, expect, it, vi } from 'vitest'
import { WECHAT_ERRCODES } from '../../src/emulator/index.ts'
import { code2Session, makeEmulators, validParams } from './support.ts'

const emulators = makeEmulators()
afterEach(() => emulators.closeAll())

describe('injected faults', () => {
  it('failNext answers -1 (system busy) by default, without using the code up', async () => {
    const emulator = await emulators.start()
    const code = await emulator.issueCode('oUser-busy')
    emulator.failNext(1)

    const busy = await code2Session(emulator, validParams(code))
    const retried = await code2Session(emulator, validParams(code))

    expect(busy.status).toBe(200)
    expect(busy.body.errcode).toBe(-1)
    expect(busy.body.errmsg).toMatch(/^system error, rid: /)
    expect(retried.body.openid).toBe('oUser-busy')
  })

  it('failNext(count, errcode) answers that errcode count times, then behaves again', async () => {
    const emulator = await emulators.start()
    const code = await emulator.issueCode('oUser-twice')
    emulator.failNext(2, WECHAT_ERRCODES.minuteQuotaReached)

    const answers = []
    for (let i = 0; i < 3; i++) answers.push((await code2Session(emulator, validParams(code))).body)

    expect(answers.map((body) => body.errcode)).toEqual([45011, 45011, undefined])
    expect(answers[2]?.openid).toBe('oUser-twice')
  })

  it('arms faults given at start', async () => {
    const emulator = await emulators.start({ faults: { failNext: 1, failErrcode: 40226, dropNext: 1 } })
    const code = await emulator.issueCode('oUser-armed')

    const failed = await code2Session(emulator, validParams(code))
    const dropped = code2Session(emulator, validParams(code))

    expect(failed.body.errcode).toBe(40226)
    await expect(dropped).rejects.toThrow()
    expect((await code2Session(emulator, validParams(code))).body.openid).toBe('oUser-armed')
  })

  it('dropNext destroys the connection without an answer, and counts it', async () => {
    const emulator = await emulators.start()
    const code = await emulator.issueCode('oUser-drop')
    emulator.dropNext(1)

    await expect(code2Session(emulator, validParams(code))).rejects.toThrow(TypeError)
    const after = await code2Session(emulator, validParams(code))

    expect(after.body.openid).toBe('oUser-drop')
    expect(emulator.stats()).toMatchObject({ code2Session: 2, code2SessionOk: 1, dropped: 1 })
  })

  it('failNextWithStatus answers an HTTP error like a broken gateway', async () => {
    const emulator = await emulators.start()
    const code = await emulator.issueCode('oUser-gateway')
    emulator.failNextWithStatus(1, 502)

    const response = await fetch(
      `${emulator.url}/sns/jscode2session?${new URLSearchParams(validParams(code) as Record<string, string>).toString()}`,
    )

    expect(response.status).toBe(502)
    expect((await code2Session(emulator, validParams(code))).body.openid).toBe('oUser-gateway')
  })

  it('clearFaults forgets what was queued', async () => {
    const emulator = await emulators.start()
    const code = await emulator.issueCode('oUser-clear')
    emulator.failNext(3)
    emulator.dropNext(2)
    emulator.clearFaults()

    expect((await code2Session(emulator, validParams(code))).body.openid).toBe('oUser-clear')
  })

  it('latency delays answers past a client’s timeout; setLatency(0) removes it', async () => {
    const emulator = await emulators.start({ latencyMs: 2_000 })
    const slowCode = await emulator.issueCode('oUser-slow')

    const slow = code2Session(emulator, validParams(slowCode), { signal: AbortSignal.timeout(25) })
    await expect(slow).rejects.toThrow(/timeout|abort/i)

    emulator.setLatency(0)
    const fastCode = await emulator.issueCode('oUser-slow')
    const fast = await code2Session(emulator, validParams(fastCode), { signal: AbortSignal.timeout(5_000) })
    expect(fast.body.openid).toBe('oUser-slow')
  })

  it('a small latency still answers within a patient client’s timeout', async () => {
    const emulator = await emulators.start({ latencyMs: 20 })
    const code = await emulator.issueCode('oUser-patient')

    const { body } = await code2Session(emulator, validParams(code), { signal: AbortSignal.timeout(5_000) })

    expect(body.openid).toBe('oUser-patient')
  })

  it('close() cuts requests that are waiting out their latency', async () => {
    const emulator = await emulators.start({ latencyMs: 60_000 })
    const code = await emulator.issueCode('oUser-close')

    const pending = code2Session(emulator, validParams(code))
    await vi.waitFor(() => expect(emulator.stats().inFlight).toBe(1))
    await emulator.close()

    const error: unknown = await pending.catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(TypeError)
    // The server hung up on a request it had received (not a refused connection).
    expect((error as { cause?: { code?: string } }).cause?.code).toBe('UND_ERR_SOCKET')
    expect(emulator.stats().inFlight).toBe(0)
  })

  it('rejects nonsense fault settings with typed errors', async () => {
    const emulator = await emulators.start()

    expect(() => emulator.failNext(-1)).toThrow(RangeError)
    expect(() => emulator.failNext(1.5)).toThrow(RangeError)
    expect(() => emulator.failNext(1, Number.NaN)).toThrow(TypeError)
    expect(() => emulator.dropNext(Number.POSITIVE_INFINITY)).toThrow(RangeError)
    expect(() => emulator.failNextWithStatus(1, 99)).toThrow(RangeError)
    expect(() => emulator.setLatency(-1)).toThrow(RangeError)
    // Past what a Node timer keeps, the "hang" would answer after 1 ms.
    expect(() => emulator.setLatency(2 ** 31)).toThrow(
      new RangeError('setLatency must be at most 2147483647 ms (a longer timer fires at once)'),
    )
    expect(() => emulator.setLatency(2 ** 31 - 1)).not.toThrow()
    emulator.setLatency(0)
  })
})
