/** A rate-limit window as milliseconds: a positive number of ms, or a string such as `'1 minute'`, `'30 s'`, `'2 hours'`. */

const UNIT_MS: Record<string, number> = {
  ms: 1,
  millisecond: 1,
  milliseconds: 1,
  s: 1000,
  sec: 1000,
  secs: 1000,
  second: 1000,
  seconds: 1000,
  m: 60_000,
  min: 60_000,
  mins: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
  hrs: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
}

/** The window in whole milliseconds, or `undefined` when `value` is not one. */
export function timeWindowMs(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 1 ? Math.floor(value) : undefined
  if (typeof value !== 'string') return undefined
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*$/i.exec(value)
  const unit = UNIT_MS[match?.[2]?.toLowerCase() ?? '']
  if (match === null || unit === undefined) return undefined
  const ms = Math.floor(Number(match[1]) * unit)
  return ms >= 1 && Number.isSafeInteger(ms) ? ms : undefined
}
