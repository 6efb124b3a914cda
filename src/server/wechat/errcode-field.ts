/**
 * WeChat's `errcode` field, read the same way for every server API.
 *
 * WeChat documents it as a number: absent or 0 on success, non-zero on
 * failure. An integer written as a string ("40029") is read as that integer.
 * Anything else (`""`, `null`, `[]`, `true`, `1.5`, "4e4") is not an errcode,
 * and `Number()` would read most of those as 0, a success; here they are
 * `undefined`, which callers report as a malformed answer.
 */
const INTEGER_TEXT = /^-?\d{1,15}$/

/** The errcode (0 when the field is absent), or `undefined` when the field holds no integer. */
export function readErrcode(value: unknown): number | undefined {
  if (value === undefined) return 0
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined
  if (typeof value === 'string' && INTEGER_TEXT.test(value)) return Number(value)
  return undefined
}
