/** The sandbox the bundle tests rely on must itself catch what it claims to catch. */
import { afterEach, describe, expect, it } from 'vitest'
import { createMiniprogramSandbox, type MiniprogramSandbox } from './miniprogram-sandbox.ts'

const sandboxes: MiniprogramSandbox[] = []

function sandbox(): MiniprogramSandbox {
  const created = createMiniprogramSandbox({ wx: { getSystemInfoSync: () => ({ platform: 'devtools' }) } })
  sandboxes.push(created)
  return created
}

afterEach(() => {
  for (const created of sandboxes.splice(0)) created.dispose()
})

describe('the mini-program sandbox', () => {
  it('records reads and writes of globals a mini-program does not have', () => {
    const box = sandbox()
    const exported = box.runModule(
      `module.exports = [typeof process, typeof globalThis, typeof window, typeof AbortController]
       leaked = 1`,
      'probe.js',
    )

    expect(exported).toEqual(['undefined', 'undefined', 'undefined', 'undefined'])
    expect(box.unknownGlobals.slice(0, 4)).toEqual(['read process', 'read globalThis', 'read window', 'read AbortController'])
    expect(box.unknownGlobals.slice(4)).toContain('write leaked')
  })

  it('gives code the context’s own ES2017 built-ins and the mini-program host globals, and records nothing for them', () => {
    const box = sandbox()
    const exported = box.runModule(
      `const p = (async () => 1)()
       module.exports = {
         sameRealm: p instanceof Promise && [] instanceof Array && Object.getPrototypeOf({}) === Object.prototype,
         map: new Map([[1, 'a']]).get(1),
         json: JSON.stringify({ a: [1] }),
         platform: wx.getSystemInfoSync().platform,
         timer: typeof setTimeout(function () {}, 10),
       }`,
      'builtins.js',
    )

    expect(exported).toEqual({ sameRealm: true, map: 'a', json: '{"a":[1]}', platform: 'devtools', timer: 'number' })
    expect(box.unknownGlobals).toEqual([])
    expect(box.pendingTimers).toBe(1)
    box.dispose()
    expect(box.pendingTimers).toBe(0)
  })

  it('refuses eval and new Function, as WeChat does', () => {
    const box = sandbox()
    // The error is the context's own EvalError, so it is matched by message.
    const refused = /Code generation from strings disallowed/
    expect(() => box.runModule(`module.exports = new Function('return 1')()`, 'dynamic.js')).toThrow(refused)
    expect(() =>
      box.runModule(`module.exports = (0, Object.getPrototypeOf(function () {}).constructor)('return 1')`, 'dynamic.js'),
    ).toThrow(refused)
  })

  it('has a require that fails the way WeChat fails for an unknown module', () => {
    const box = sandbox()
    expect(() => box.runModule(`require('fs')`, 'requires.js')).toThrow(`module "fs" is not defined, require args is 'fs'`)
  })

  it('records what is written to the console', () => {
    const box = sandbox()
    box.runModule(`console.warn('careful', { depth: { of: 'object' } })`, 'logs.js')
    expect(box.consoleEntries).toEqual([{ level: 'warn', text: "careful { depth: { of: 'object' } }" }])
  })
})
