import { describe, expect, it } from 'vitest'
import { MAX_FRAME_BYTES, oversizedFrameBytes, utf8Length } from '../../src/inspect/frame-limit.ts'

describe('utf8Length', () => {
  it.each([
    ['', 'empty'],
    ['{"type":"@xstate.snapshot"}', 'ASCII'],
    ['登录成功 é ß', 'two- and three-byte characters'],
    ['😀 and 𠮷', 'surrogate pairs'],
    ['\ud83d alone, \ude00 alone', 'lone surrogates (sent as U+FFFD, 3 bytes)'],
    ['end\ud83d', 'a high surrogate at the very end'],
  ])('counts %j as Node does (%s)', (text) => expect(utf8Length(text)).toBe(Buffer.byteLength(text, 'utf8')))
})

describe('oversizedFrameBytes', () => {
  it('answers the size only past the limit, counting bytes, not characters', () => {
    expect(oversizedFrameBytes('a'.repeat(MAX_FRAME_BYTES))).toBeUndefined()
    expect(oversizedFrameBytes('a'.repeat(MAX_FRAME_BYTES + 1))).toBe(MAX_FRAME_BYTES + 1)
    // Fewer characters than the limit, more bytes.
    expect(oversizedFrameBytes('é'.repeat(MAX_FRAME_BYTES / 2 + 1))).toBe(MAX_FRAME_BYTES + 2)
    expect(oversizedFrameBytes('é'.repeat(MAX_FRAME_BYTES / 2))).toBeUndefined()
  })
})
