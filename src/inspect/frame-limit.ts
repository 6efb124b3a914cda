/**
 * The size limit of one inspector frame, shared by the sending side (the
 * mini-program) and the relay. The relay closes a connection that sends a
 * bigger frame, which would lose every event queued behind it; the sender
 * leaves such a frame out instead.
 */

/** Far above any real inspection event: 1 MiB of UTF-8. */
export const MAX_FRAME_BYTES = 1024 * 1024

/** A UTF-16 code unit never takes more than 3 bytes of UTF-8 (a surrogate pair takes 4 for 2 units). */
const MAX_UTF8_BYTES_PER_UNIT = 3

/** UTF-8 length of `text`, counted by hand: not every mini-program engine has `TextEncoder`. */
export function utf8Length(text: string): number {
  let bytes = 0
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i)
    if (unit < 0x80) bytes += 1
    else if (unit < 0x800) bytes += 2
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4
      i++
    } else bytes += 3
  }
  return bytes
}

/** The frame's size in bytes when it is over `MAX_FRAME_BYTES`, else `undefined`; short frames are not even counted. */
export function oversizedFrameBytes(frame: string): number | undefined {
  if (frame.length * MAX_UTF8_BYTES_PER_UNIT <= MAX_FRAME_BYTES) return undefined
  const bytes = utf8Length(frame)
  return bytes > MAX_FRAME_BYTES ? bytes : undefined
}
