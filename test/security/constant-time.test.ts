/**
 * Secrets are compared in constant time. The server looks sessions up by
 * SHA-256(token), so a lookup leaks nothing about a token; where a stored
 * hash or a signature is compared with what a client sent, it goes through
 * `crypto.timingSafeEqual`. Timing cannot be asserted reliably on a shared
 * machine, so this reads the source, and checks the helpers' behaviour.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { verifySignature } from '../../src/server/index.ts'
import { safeEqual } from '../../src/server/tokens.ts'
import { signRawData } from '../../src/server/wechat/index.ts'

const SERVER_SOURCE = join(process.cwd(), 'src', 'server')

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return sourceFiles(path)
    return path.endsWith('.ts') ? [path] : []
  })
}

function read(...parts: string[]): string {
  return readFileSync(join(SERVER_SOURCE, ...parts), 'utf8')
}

/** Source without comments, so a comment cannot satisfy or trip a check. */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1')
}

/** The body of `function name(...) { ... }` (first level of braces). */
function functionBody(text: string, name: string): string {
  const start = text.indexOf(`function ${name}(`)
  if (start === -1) throw new Error(`function ${name} not found`)
  const open = text.indexOf('{', text.indexOf(')', start))
  let depth = 0
  for (let i = open; i < text.length; i++) {
    if (text[i] === '{') depth++
    if (text[i] === '}' && --depth === 0) return text.slice(open, i + 1)
  }
  throw new Error(`function ${name} has no end`)
}

const SENSITIVE = /token|hash|signature|secret|session_?key/i
const HARMLESS_OPERAND = /^(?:undefined|null|true|false|-?\d+|'[^']*'|"[^"]*"|`[^`]*`|[\w$.]*\.length|[\w$.]*\.size)$/

/** `a === b` style comparisons where a secret meets something that is not a constant. */
function plainSecretComparisons(text: string): string[] {
  const found: string[] = []
  const comparison = /([\w$.[\]'"`]+)\s*(===|!==|==|!=)\s*([\w$.[\]'"`]+)/g
  for (const match of code(text).matchAll(comparison)) {
    const [whole, left = '', , right = ''] = match
    if (!(SENSITIVE.test(left) || SENSITIVE.test(right))) continue
    if (HARMLESS_OPERAND.test(left) || HARMLESS_OPERAND.test(right)) continue
    found.push(whole)
  }
  return found
}

describe('constant-time comparisons', () => {
  it('safeEqual is built on crypto.timingSafeEqual', () => {
    const tokens = code(read('tokens.ts'))
    expect(tokens).toMatch(/import\s*\{[^}]*\btimingSafeEqual\b[^}]*\}\s*from\s*'node:crypto'/)
    expect(functionBody(tokens, 'safeEqual')).toMatch(/\btimingSafeEqual\(/)
  })

  it('verifySignature compares the SHA-1 signature with crypto.timingSafeEqual', () => {
    const source = code(read('wechat', 'verify-signature.ts'))
    expect(source).toMatch(/import\s*\{[^}]*\btimingSafeEqual\b[^}]*\}\s*from\s*'node:crypto'/)
    expect(functionBody(source, 'verifySignature')).toMatch(/\btimingSafeEqual\(/)
  })

  it('both stores look sessions up by hash and compare the stored hash with safeEqual', () => {
    for (const file of ['sqlite-store.ts', 'redis-store.ts']) {
      const source = code(read('store', file))
      expect(source, file).toMatch(/import\s*\{[^}]*\bsafeEqual\b[^}]*\}\s*from\s*'\.\.\/tokens\.ts'/)
      expect(source, file).toMatch(/safeEqual\([^)]*tokenHash[^)]*\)/i)
    }
    // The token itself is hashed before any lookup.
    expect(code(read('plugins', 'session-auth.ts'))).toMatch(/find:\s*\(token\)\s*=>\s*store\.get\(hashSessionToken\(token\)\)/)
  })

  it('no server source compares a token, hash, signature, secret or session key with === / !==', () => {
    const offenders = sourceFiles(SERVER_SOURCE).flatMap((file) =>
      plainSecretComparisons(readFileSync(file, 'utf8')).map((comparison) => `${relative(process.cwd(), file)}: ${comparison}`),
    )
    expect(offenders).toEqual([])
  })

  it('the source check can fail: it flags a plain comparison of a token', () => {
    expect(plainSecretComparisons('if (row.token_hash === tokenHash) return row')).toEqual(['row.token_hash === tokenHash'])
    expect(plainSecretComparisons("if (token !== undefined && signature.length !== 40 && kind === 'x') {}")).toEqual([])
  })

  it('safeEqual answers exactly string equality', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 64 }), fc.string({ unit: 'binary', maxLength: 64 }), (a, b) => {
        return safeEqual(a, b) === (a === b) && safeEqual(a, a)
      }),
      { numRuns: 300 },
    )
  })

  it('verifySignature accepts exactly the right signature, whatever the case, and nothing else', () => {
    const key = Buffer.alloc(16, 7).toString('base64')
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), fc.nat({ max: 39 }), (rawData, position) => {
        const signature = signRawData(rawData, key)
        expect(verifySignature(rawData, signature, key)).toBe(true)
        expect(verifySignature(rawData, signature.toUpperCase(), key)).toBe(true)
        const flipped = signature.slice(0, position) + (signature[position] === '0' ? '1' : '0') + signature.slice(position + 1)
        expect(verifySignature(rawData, flipped, key)).toBe(false)
        expect(verifySignature(rawData, signature.slice(1), key)).toBe(false)
        expect(verifySignature(rawData, `${signature}0`, key)).toBe(false)
        expect(verifySignature(rawData, 42 as unknown as string, key)).toBe(false)
      }),
      { numRuns: 300 },
    )
  })
})
