function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value)
}

/** Why a stored value is not a whole session, or `undefined` when it is one. */
export function incompleteSessionReason(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not an object'
  const record = value as Record<string, unknown>
  if (typeof record['token'] !== 'string' || record['token'].length === 0) return 'no token'
  if (!isFiniteNumber(record['expiresAt'])) return 'no expiresAt'
  if ('confirmedAt' in record && !isFiniteNumber(record['confirmedAt'])) return 'a confirmedAt that is not a number'
  return undefined
}
