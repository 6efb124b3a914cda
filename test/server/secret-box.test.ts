import { randomBytes } from 'node:crypto'
import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { createSecretBox, generateSecretBoxKey, isSecretBoxError, parseSecretBoxKeys, type SecretBoxError } from '../../src/server/index.ts'
import type { SecretBoxFailure } from '../../src/server/index.ts'

const K1 = generateSecretBoxKey()
const K2 = generateSecretBoxKey()

function failureOf(work: () => unknown): SecretBoxFailure {
  try {
    work()
  } catch (error) {
    expect(isSecretBoxError(error)).toBe(true)
    return (error as SecretBoxError).failure
  }
  throw new Error('expected a SecretBoxError')
}

describe('createSecretBox', () => {
  it('seals and opens, with a fresh IV every time, and names the key in the sealed value', () => {
    const box = createSecretBox({ keys: [{ id: 'k1', key: K1 }] })
    const first = box.seal('MDEyMzQ1Njc4OWFiY2RlZg==', 'ctx')
    const second = box.seal('MDEyMzQ1Njc4OWFiY2RlZg==', 'ctx')
    expect(first).not.toBe(second)
    expect(first.startsWith('v1.k1.')).toBe(true)
    expect(first).not.toContain('MDEyMzQ1Njc4OWFiY2RlZg')
    expect(box.open(first, 'ctx')).toBe('MDEyMzQ1Njc4OWFiY2RlZg==')
    expect(box.keyIdOf(first)).toBe('k1')
  })

  it('does not open a value for another context, tampered with, or under another key', () => {
    const box = createSecretBox({ keys: [{ id: 'k1', key: K1 }] })
    const sealed = box.seal('secret', 'session_key:aaa')
    expect(failureOf(() => box.open(sealed, 'session_key:bbb'))).toBe('not_authentic')
    const parts = sealed.split('.')
    const body = Buffer.from(parts[3]!, 'base64url')
    body[0] = body[0]! ^ 1
    expect(failureOf(() => box.open([...parts.slice(0, 3), body.toString('base64url')].join('.'), 'session_key:aaa'))).toBe('not_authentic')
    const sameIdOtherKey = createSecretBox({ keys: [{ id: 'k1', key: K2 }] })
    expect(failureOf(() => sameIdOtherKey.open(sealed, 'session_key:aaa'))).toBe('not_authentic')
    const otherId = createSecretBox({ keys: [{ id: 'k9', key: K1 }] })
    expect(failureOf(() => otherId.open(sealed, 'session_key:aaa'))).toBe('unknown_key')
    for (const junk of ['', 'plain', 'v2.k1.a.b', 'v1.k1.!!.b', 'v1.k1.AAAA.BBBB']) {
      expect(failureOf(() => box.open(junk, 'session_key:aaa'))).toBe('malformed')
    }
  })

  it('rotates: the current key seals, every listed key opens', () => {
    const old = createSecretBox({ keys: [{ id: 'k1', key: K1 }] })
    const sealedUnderOld = old.seal('value-1', 'ctx')
    const rotated = createSecretBox({
      keys: [
        { id: 'k1', key: K1 },
        { id: 'k2', key: K2 },
      ],
      currentKeyId: 'k2',
    })
    expect(rotated.currentKeyId).toBe('k2')
    expect(rotated.keyIds).toEqual(['k1', 'k2'])
    expect(rotated.open(sealedUnderOld, 'ctx')).toBe('value-1')
    const sealedUnderNew = rotated.seal('value-2', 'ctx')
    expect(rotated.keyIdOf(sealedUnderNew)).toBe('k2')
    expect(failureOf(() => old.open(sealedUnderNew, 'ctx'))).toBe('unknown_key')
  })

  it('takes a key as 32 bytes, base64 or base64url, and refuses anything else', () => {
    const bytes = randomBytes(32)
    const fromBytes = createSecretBox({ keys: [{ id: 'a', key: bytes }] })
    const fromBase64 = createSecretBox({ keys: [{ id: 'a', key: bytes.toString('base64') }] })
    const fromUrl = createSecretBox({ keys: [{ id: 'a', key: bytes.toString('base64url') }] })
    const sealed = fromBytes.seal('x', 'c')
    expect(fromBase64.open(sealed, 'c')).toBe('x')
    expect(fromUrl.open(sealed, 'c')).toBe('x')
    expect(() => createSecretBox({ keys: [{ id: 'a', key: randomBytes(16) }] })).toThrow(TypeError)
    expect(() => createSecretBox({ keys: [{ id: 'a', key: 'not base64 at all!' }] })).toThrow(TypeError)
    expect(() => createSecretBox({ keys: [] })).toThrow(TypeError)
    expect(() => createSecretBox({ keys: [{ id: 'has.dot', key: K1 }] })).toThrow(TypeError)
    expect(() =>
      createSecretBox({
        keys: [
          { id: 'a', key: K1 },
          { id: 'a', key: K2 },
        ],
      }),
    ).toThrow(/twice/)
    expect(() => createSecretBox({ keys: [{ id: 'a', key: K1 }], currentKeyId: 'b' })).toThrow(TypeError)
  })

  it('shows no key material when inspected, serialized or in its errors', () => {
    const box = createSecretBox({ keys: [{ id: 'k1', key: K1 }] })
    const texts = [inspect(box, { depth: 10, showHidden: true }), JSON.stringify(box)]
    try {
      createSecretBox({ keys: [{ id: 'k1', key: K1.slice(0, 20) }] })
    } catch (error) {
      texts.push(String(error), (error as Error).stack ?? '')
    }
    try {
      parseSecretBoxKeys(`k1${K1}`)
    } catch (error) {
      texts.push(String(error))
    }
    for (const text of texts) {
      expect(text).not.toContain(K1)
      expect(text).not.toContain(K1.slice(0, 20))
    }
  })
})

describe('parseSecretBoxKeys', () => {
  it('reads id:key pairs, the first one current', () => {
    const options = parseSecretBoxKeys(`k2:${K2}, k1:${K1}`)
    const box = createSecretBox(options)
    expect(box.currentKeyId).toBe('k2')
    expect(box.keyIds).toEqual(['k2', 'k1'])
  })

  it('refuses text that is not a list of id:key', () => {
    expect(() => parseSecretBoxKeys('')).toThrow(TypeError)
    expect(() => parseSecretBoxKeys('justakey')).toThrow(/entry 1/)
    expect(() => parseSecretBoxKeys(`k1:${K1},:x`)).toThrow(/entry 2/)
  })
})
