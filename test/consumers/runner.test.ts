/**
 * The consumer runner's own logic (npm run test:consumers runs the consumers
 * themselves): how it reads a fixture's report, README's blocks and a
 * fixture's pins, and the build's check of the declarations' type references.
 */
import { describe, expect, it } from 'vitest'
import { typeReferencesIn } from '../../scripts/build/check-output.ts'
import { unpinned } from './fixture-project.ts'
import { firstDifference, readmeBlocks } from './readme-blocks.ts'
import { formatOutcome, parseFixtureReport } from './report.ts'

describe('parseFixtureReport', () => {
  it('reads ok and not ok lines, with the indented problems under the failed one', () => {
    const output = [
      'noise',
      'ok first',
      'not ok second',
      '    problem one',
      '    problem two',
      'other noise',
      'ok third',
      '    stray',
    ].join('\n')
    expect(parseFixtureReport(output)).toEqual([
      { name: 'first', ok: true, details: [] },
      { name: 'second', ok: false, details: ['problem one', 'problem two'] },
      { name: 'third', ok: true, details: [] },
    ])
  })

  it('finds nothing in output without report lines', () => {
    expect(parseFixtureReport('Error: boom\n    at x')).toEqual([])
  })
})

describe('formatOutcome', () => {
  it('marks failures and cuts long details', () => {
    const details = Array.from({ length: 20 }, (_, index) => `line ${index}`)
    const text = formatOutcome({ name: 'fixture', installMs: 1500, checkMs: 250, results: [{ name: 'a check', ok: false, details }] })
    expect(text).toContain('fixture (install 1.5 s, checks 0.3 s)')
    expect(text).toContain('FAIL a check')
    expect(text).toContain('line 14')
    expect(text).not.toContain('line 15')
    expect(text).toContain('… 5 more lines')
  })
})

describe('readmeBlocks', () => {
  it('takes the fenced block after each consumer marker, with every file it names', () => {
    const markdown = [
      'text',
      '<!-- consumer: a/one.js b/two.js -->',
      '```js',
      'const x = 1',
      '```',
      '```js',
      'not marked',
      '```',
      '<!-- consumer: c/three.ts -->',
      '',
      '```ts',
      'export {}',
      '```',
    ].join('\n')
    expect(readmeBlocks(markdown)).toEqual([
      { files: ['a/one.js', 'b/two.js'], code: 'const x = 1\n', line: 2 },
      { files: ['c/three.ts'], code: 'export {}\n', line: 9 },
    ])
  })

  it('says where a file first differs from its block', () => {
    expect(firstDifference('a\nb\n', 'a\nb\n')).toEqual([])
    expect(firstDifference('a\nb\n', 'a\nc\n')).toEqual(['line 2: README has "b"', 'line 2: the file has "c"'])
    expect(firstDifference('a\n', 'a\nmore\n')).toEqual(['line 2: README has ""', 'line 2: the file has "more"'])
  })
})

describe('unpinned', () => {
  it('lists dependencies that are not one exact version', () => {
    const manifest = { dependencies: { a: '1.2.3', b: '^1.2.3' }, devDependencies: { c: '~2.0.0', d: '2.0.0-beta.1', e: 'latest' } }
    expect(unpinned(manifest)).toEqual(['b@^1.2.3', 'c@~2.0.0', 'e@latest'])
  })
})

describe('typeReferencesIn', () => {
  it('reads the typings of /// <reference types> lines, and nothing else', () => {
    const text =
      '/// <reference types="@mini-types/my" />\n/// <reference path="./x.d.ts" />\n// <reference types="no" />\nimport x from "y"\n'
    expect(typeReferencesIn(text)).toEqual(['@mini-types/my'])
  })
})
