import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { LoginError } from '../../src/contract/index.ts'
import {
  CIRCULAR,
  REDACTED,
  TRUNCATED,
  createInspectionEventRedactor,
  createRedactor,
  isSecretKey,
  redact,
} from '../../src/inspect/index.ts'

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const item of Object.values(value)) deepFreeze(item)
  }
  return value
}

describe('isSecretKey', () => {
  it.each([
    'token',
    'accessToken',
    'refresh_token',
    'session_key',
    'sessionKey',
    'SESSION-KEY',
    'secret',
    'AppSecret',
    'client_secret',
    'authorization',
    'Authorization',
    'proxy-authorization',
    'password',
    'set-cookie',
    'apiKey',
    'code',
    'js_code',
    'loginCode',
    'wxCode',
    'phoneNumber',
    'purePhoneNumber',
    'phone_number',
    'encryptedData',
    'iv',
    'phone',
    'mobile',
  ])('treats %s as secret', (key) => expect(isSecretKey(key)).toBe(true))

  it.each([
    'statusCode',
    'errCode',
    'errorCode',
    'expiresAt',
    'attempt',
    'type',
    'sessionId',
    'rootId',
    'value',
    'context',
    'event',
    'output',
    'session',
    'countryCode',
    'privacy',
    'archive',
    'phoneModel',
    'mobileNetwork',
  ])('leaves %s alone', (key) => expect(isSecretKey(key)).toBe(false))
})

describe('redact', () => {
  it('replaces secret values at any depth, including done-event outputs, and keeps the rest', () => {
    const event = {
      type: 'xstate.done.actor.serverLogin',
      output: { token: 'st_abcdef123456', expiresAt: 1_700_000_000_000 },
      nested: [{ deeper: { session_key: 'sk-zzzzzzzz', openid: 'o-123' } }],
      headers: { Authorization: 'Bearer st_abcdef123456', 'content-type': 'application/json' },
    }
    expect(redact(event)).toEqual({
      type: 'xstate.done.actor.serverLogin',
      output: { token: REDACTED, expiresAt: 1_700_000_000_000 },
      nested: [{ deeper: { session_key: REDACTED, openid: 'o-123' } }],
      headers: { Authorization: REDACTED, 'content-type': 'application/json' },
    })
  })

  it('redacts the login context: session token and wx.login code', () => {
    const context = { session: { token: 'st_abcdef123456', expiresAt: 5 }, code: '0a1B2c3D4e5F6g7H', attempt: 1, error: null }
    expect(redact(context)).toEqual({ session: { token: REDACTED, expiresAt: 5 }, code: REDACTED, attempt: 1, error: null })
  })

  it('keeps null and missing secrets as they are (they say "none yet" and hide nothing)', () => {
    expect(redact({ code: null, session: null, token: undefined })).toEqual({ code: null, session: null })
  })

  it('redacts a whole object or array held under a secret key', () => {
    expect(redact({ secret: { a: 1, b: ['x'] }, tokens: ['t1', 't2'] })).toEqual({ secret: REDACTED, tokens: REDACTED })
  })

  it('never mutates its input (deeply frozen input, unchanged afterwards)', () => {
    const input = deepFreeze({
      session: { token: 'st_abcdef123456', expiresAt: 5 },
      list: [{ code: 'abcdefgh' }, new Map([['token', 'st_abcdef123456']])],
    })
    const before = structuredClone(input)
    redact(input)
    expect(input).toEqual(before)
    expect(input.session.token).toBe('st_abcdef123456')
  })

  it('returns a copy that shares no object with the input', () => {
    const inner = { expiresAt: 5 }
    const input = { a: inner, list: [inner] }
    const copy = redact(input) as { a: object; list: object[] }
    expect(copy.a).toEqual(inner)
    expect(copy.a).not.toBe(inner)
    expect(copy.list[0]).not.toBe(inner)
  })

  it('keeps a LoginError as its secret-free JSON, error code included, and drops its cause', () => {
    const error = new LoginError('invalid_code', undefined, { cause: { body: { token: 'st_abcdef123456' } } })
    expect(redact({ error })).toEqual({
      error: { name: 'LoginError', code: 'invalid_code', message: error.message, transient: false },
    })
    const limited = new LoginError('rate_limited', undefined, { retryAfterMs: 2_000 })
    expect(redact(limited)).toMatchObject({ code: 'rate_limited', retryAfterMs: 2_000, transient: true })
  })

  it('keeps the code of a LoginError that was already turned into JSON, but not a code in any other object', () => {
    const json = JSON.parse(JSON.stringify(new LoginError('code_used')))
    expect(redact({ error: json })).toMatchObject({ error: { code: 'code_used' } })
    expect(redact({ error: { name: 'LoginError', code: '0a1B2c3D4e5F' } })).toEqual({ error: { name: 'LoginError', code: REDACTED } })
  })

  it('reduces other errors to name and message', () => {
    const error = Object.assign(new TypeError('boom'), { code: 'abcdefgh', response: { token: 'x' } })
    expect(redact(error)).toEqual({ name: 'TypeError', message: 'boom' })
  })

  it('scrubs a secret it found under a secret key from every other string', () => {
    const value = {
      message: 'server said: st_abcdef123456 is expired',
      session: { token: 'st_abcdef123456' },
      [`key-st_abcdef123456`]: 1,
    }
    expect(redact(value)).toEqual({
      message: `server said: ${REDACTED} is expired`,
      session: { token: REDACTED },
      [`key-${REDACTED}`]: 1,
    })
  })

  it('does not scrub short secrets from free text (they would hit ordinary words)', () => {
    expect(redact({ code: 'ab', note: 'abc' })).toEqual({ code: REDACTED, note: 'abc' })
  })

  it('cuts cycles but copies shared (non-cyclic) references in full', () => {
    const shared = { n: 1 }
    const node: Record<string, unknown> = { name: 'root', left: shared, right: shared }
    node['self'] = node
    expect(redact(node)).toEqual({ name: 'root', left: { n: 1 }, right: { n: 1 }, self: CIRCULAR })
  })

  it('bounds depth', () => {
    const deep = { a: { b: { c: { d: 1 } } } }
    expect(redact(deep, { maxDepth: 2 })).toEqual({ a: { b: TRUNCATED } })
  })

  it('honours toJSON, then redacts what it returned', () => {
    const actorLike = { toJSON: () => ({ id: 'child', token: 'st_abcdef123456' }) }
    const date = new Date(0)
    expect(redact({ actorLike, date })).toEqual({ actorLike: { id: 'child', token: REDACTED }, date: date.toISOString() })
  })

  it('survives a throwing toJSON', () => {
    expect(
      redact({
        bad: {
          toJSON: () => {
            throw new Error('no')
          },
        },
      }),
    ).toEqual({ bad: '[unserializable]' })
  })

  it('turns Maps into objects (so keys are checked), Sets into arrays, functions into { type }, binary into a size', () => {
    function persistSession() {}
    const value = {
      map: new Map<unknown, unknown>([
        ['token', 'st_abcdef123456'],
        [1, 'one'],
      ]),
      set: new Set(['a']),
      fn: persistSession,
      big: 12n,
      nan: Number.NaN,
      bytes: new Uint8Array(4),
      sym: Symbol('x'),
    }
    expect(redact(value)).toEqual({
      map: { token: REDACTED, '1': 'one' },
      set: ['a'],
      fn: { type: 'persistSession' },
      big: '12',
      nan: null,
      bytes: '[binary 4 bytes]',
    })
  })

  it('judges the value of a [name, value] pair by its name, as headers given as pairs', () => {
    const header = [
      ['Authorization', 'Bearer st_abcdef123456'],
      ['content-type', 'application/json'],
    ]
    expect(redact({ header, note: 'sent Bearer st_abcdef123456' })).toEqual({
      header: [
        ['Authorization', REDACTED],
        ['content-type', 'application/json'],
      ],
      note: `sent ${REDACTED}`,
    })
    // A pair whose name is no secret, and lists that are not pairs, are copied as they are.
    expect(redact({ states: ['idle', 'authenticated'], list: ['token', 'a', 'b'], ids: [1, 'token'] })).toEqual({
      states: ['idle', 'authenticated'],
      list: ['token', 'a', 'b'],
      ids: [1, 'token'],
    })
  })

  it('remembers the secrets inside a Set or a Map held under a secret key, and scrubs them from other strings', () => {
    const value = {
      tokens: new Set(['st_abcdef123456']),
      secrets: new Map([['current', 'sk_zyxwvu987654']]),
      message: 'st_abcdef123456 and sk_zyxwvu987654 expired',
    }
    expect(redact(value)).toEqual({ tokens: REDACTED, secrets: REDACTED, message: `${REDACTED} and ${REDACTED} expired` })
  })

  it('takes extra keys and extra known secrets, without turning the built-in rules off', () => {
    const value = { openid: 'o-123456', note: 'hello sk-extra-value', token: 'st_abcdef123456' }
    expect(redact(value, { keys: ['open_id'], secrets: ['sk-extra-value'] })).toEqual({
      openid: REDACTED,
      note: `hello ${REDACTED}`,
      token: REDACTED,
    })
  })

  it('rejects bad options with a TypeError', () => {
    expect(() => redact({}, { maxDepth: 0 })).toThrow(TypeError)
    expect(() => redact({}, { keys: 'token' as unknown as string[] })).toThrow(TypeError)
    expect(() => redact({}, { secrets: [1] as unknown as string[] })).toThrow(TypeError)
  })

  it('property: a secret placed under a secret key anywhere never comes out, and the input is unchanged', () => {
    const secretArb = fc.string({ minLength: 6, maxLength: 40 }).filter((s) => !REDACTED.includes(s) && !/[[\]]/.test(s))
    const keyArb = fc.constantFrom('token', 'code', 'session_key', 'sessionKey', 'secret', 'authorization', 'AppSecret')
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), secretArb, keyArb, fc.array(fc.nat(), { maxLength: 4 }), (json, secret, key, path) => {
        // Walk down a random path into the JSON value and hang the secret there.
        const root = { wrapper: structuredClone(json) } as Record<string, unknown>
        let target: Record<string, unknown> = root
        for (const step of path) {
          const children = Object.values(target).filter((v): v is Record<string, unknown> => typeof v === 'object' && v !== null)
          if (children.length === 0) break
          target = children[step % children.length] as Record<string, unknown>
        }
        if (Array.isArray(target)) target.push({ [key]: secret })
        else target[key] = secret
        const before = JSON.stringify(root)
        const out = JSON.stringify(redact(root, { maxDepth: 20 }))
        expect(out.includes(secret)).toBe(false)
        expect(JSON.stringify(root)).toBe(before)
      }),
      { numRuns: 300 },
    )
  })
})

describe('createRedactor', () => {
  it('remembers secrets from earlier values and scrubs them from later ones', () => {
    const redactor = createRedactor()
    redactor({ session: { token: 'st_abcdef123456' } })
    expect(redactor({ message: 'request with st_abcdef123456 failed' })).toEqual({ message: `request with ${REDACTED} failed` })
    // A one-shot redact has no such memory.
    expect(redact({ message: 'request with st_abcdef123456 failed' })).toEqual({ message: 'request with st_abcdef123456 failed' })
  })
})

describe('createInspectionEventRedactor (for @statelyai/inspect in Node)', () => {
  it('redacts a Stately event deeply, and the literal context inside its definition text', () => {
    const redactEvent = createInspectionEventRedactor()
    const event = {
      type: '@xstate.actor',
      sessionId: 'x:1',
      definition: JSON.stringify({ id: 'demo', context: { apiToken: 'tk-123456789' }, states: { token: { type: 'final' } } }),
      snapshot: { status: 'done', output: { token: 'st_abcdef123456', expiresAt: 5 } },
    }
    const out = redactEvent(event)
    expect(out.snapshot).toEqual({ status: 'done', output: { token: REDACTED, expiresAt: 5 } })
    const definition = JSON.parse(out.definition) as { context: unknown; states: unknown }
    expect(definition.context).toEqual({ apiToken: REDACTED })
    // State names are code, not data: a state called "token" stays.
    expect(definition.states).toEqual({ token: { type: 'final' } })
    expect(event.snapshot.output.token).toBe('st_abcdef123456')
  })
})
