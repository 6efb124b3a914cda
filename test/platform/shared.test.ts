import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { LoginError } from '../../src/contract/index.ts'
import { callWithTimeout } from '../../src/platform/call-with-timeout.ts'
import { failureText, redact, saysTimeout } from '../../src/platform/failure-text.ts'
import { readHttpAnswer, toHeaderRecord, unreadableAnswerError } from '../../src/platform/http-answer.ts'
import { rejectionOf, valueOf, watch } from './fakes/outcome.ts'

describe('callWithTimeout', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })

  afterEach(() => {
    vi.useRealTimers()
  })

  const onThrow = (cause: unknown): LoginError => new LoginError('network', 'it threw', { cause })

  it('resolves with an answer given synchronously and clears its timer', async () => {
    const call = watch(callWithTimeout<number>((settle) => settle.resolve(7), { what: 'sync', timeoutMs: 100, onThrow }))
    await vi.advanceTimersByTimeAsync(0)
    expect(valueOf(call)).toBe(7)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('maps a synchronous throw with onThrow, but keeps a thrown LoginError as it is', async () => {
    const mapped = watch(
      callWithTimeout(
        () => {
          throw new TypeError('boom')
        },
        { what: 'x', timeoutMs: 100, onThrow },
      ),
    )
    const kept = watch(
      callWithTimeout(
        () => {
          throw new LoginError('invalid_request', 'meant it')
        },
        { what: 'x', timeoutMs: 100, onThrow },
      ),
    )
    await vi.advanceTimersByTimeAsync(0)
    expect(rejectionOf(mapped).message).toBe('it threw')
    expect(rejectionOf(kept).code).toBe('invalid_request')
  })

  it('still rejects timeout when aborting the task throws', async () => {
    const task = {
      abort: () => {
        throw new Error('cannot abort')
      },
    }
    const call = watch(callWithTimeout(() => task, { what: 'stuck', timeoutMs: 30, onThrow }))
    await vi.advanceTimersByTimeAsync(30)
    expect(rejectionOf(call).message).toBe('stuck did not answer within 30 ms')
  })

  it('does not abort a task that already answered', async () => {
    const abort = vi.fn()
    const call = watch(
      callWithTimeout<string>(
        (settle) => {
          setTimeout(() => settle.resolve('done'), 10)
          return { abort }
        },
        { what: 'quick', timeoutMs: 50, onThrow },
      ),
    )
    await vi.advanceTimersByTimeAsync(100)
    expect(valueOf(call)).toBe('done')
    expect(abort).not.toHaveBeenCalled()
  })
})

describe('failureText', () => {
  it.each([
    [{ errMsg: 'request:fail timeout' }, 'request:fail timeout'],
    [{ error: 13, errorMessage: '超时' }, '超时, code 13'],
    [{ errCode: 1001, errMsg: '执行失败' }, '执行失败, code 1001'],
    [new Error('plain'), 'plain'],
    ['text', 'text'],
    [{}, 'no details'],
    [undefined, 'no details'],
  ])('reads %o as %s', (value, expected) => {
    expect(failureText(value)).toBe(expected)
  })

  it('cuts a long text short', () => {
    expect(failureText('x'.repeat(500)).length).toBeLessThanOrEqual(201)
  })

  it('redacts what was handed over before it cuts, so no half of a secret is left at the cut', () => {
    const secret = 'tok_' + 'S'.repeat(40)
    const text = failureText({ errMsg: `${'y'.repeat(180)} ${secret}` }, { header: { 'X-Session': secret } })
    expect(text).not.toContain('tok_')
    expect(text).toContain('[redacted]')
    expect(text.length).toBeLessThanOrEqual(201)
  })

  it('recognises the ways runtimes say timeout', () => {
    expect(saysTimeout('request:fail timeout')).toBe(true)
    expect(saysTimeout('login:fail time out')).toBe(true)
    expect(saysTimeout('request:fail ssl hand shake error')).toBe(false)
  })
})

describe('redact', () => {
  it('removes every handed-over string and any bearer credential', () => {
    const text = redact('sent {"code":"abc123xyz"} with Bearer eyJhbGciOi.payload.sig', { code: 'abc123xyz' })
    expect(text).not.toContain('abc123xyz')
    expect(text).not.toContain('eyJhbGciOi')
    expect(text).toContain('[redacted]')
  })
})

describe('readHttpAnswer', () => {
  it('reads statusCode/header, and status/headers as Alipay says them', () => {
    expect(readHttpAnswer({ statusCode: 201, data: 1, header: { a: 'b' } })).toEqual({ statusCode: 201, data: 1, header: { a: 'b' } })
    expect(readHttpAnswer({ status: 404, data: 'x', headers: { c: 'd' } })).toEqual({ statusCode: 404, data: 'x', header: { c: 'd' } })
  })

  it('answers undefined when there is no HTTP status', () => {
    expect(readHttpAnswer({ errMsg: 'request:ok' })).toBeUndefined()
    expect(readHttpAnswer({ status: 13 })).toBeUndefined()
    expect(readHttpAnswer(null)).toBeUndefined()
  })

  it('calls status 0 (statusCode or Alipay status) a transient network failure, and anything else without a status invalid_response', () => {
    expect(unreadableAnswerError('my.request', { status: 0 }, 'no details')).toMatchObject({ code: 'network', transient: true })
    expect(unreadableAnswerError('tt.request', { statusCode: 0 }, 'request:ok')).toMatchObject({ code: 'network' })
    expect(unreadableAnswerError('tt.request', { data: {} }, 'request:ok')).toMatchObject({
      code: 'invalid_response',
      message: 'tt.request answered without an HTTP status (request:ok)',
    })
  })

  it('keeps header values as strings', () => {
    expect(toHeaderRecord({ a: 'x', n: 3, t: true, list: ['p', 'q'], o: { nested: 1 } })).toEqual({
      a: 'x',
      n: '3',
      t: 'true',
      list: 'p, q',
    })
  })
})
