/**
 * Redaction for events made by `@statelyai/inspect` itself (the Node set-up):
 * pass the result as its `serialize` option. Its own `sanitizeContext` and
 * `sanitizeEvent` only see the top level of a machine's context and of an
 * event, so a session in a promise actor's `output`, or a code in an
 * invoke's `input`, would still get through them.
 */
import { createRedactor, type Redacted, type RedactOptions, type Redactor } from './redact.ts'

function redactDefinitionText(definition: string, redactor: Redactor): string {
  let parsed: unknown
  try {
    parsed = JSON.parse(definition)
  } catch {
    return definition
  }
  if (typeof parsed !== 'object' || parsed === null || !('context' in parsed)) return definition
  return JSON.stringify({ ...parsed, context: redactor((parsed as { context: unknown }).context) ?? null })
}

/**
 * `createWebSocketInspector({ url, serialize: createInspectionEventRedactor() })`.
 * Returns a redacted, JSON-safe copy with the same shape; the definition's
 * literal `context`, if any, is redacted too. Remembers secrets it has seen,
 * like `createRedactor`.
 */
export function createInspectionEventRedactor(options: RedactOptions = {}): <T extends object>(event: T) => T {
  const redactor = createRedactor(options)
  return <T extends object>(event: T): T => {
    const { definition, ...rest } = event as { definition?: unknown }
    const copy = (redactor(rest) ?? {}) as Record<string, Redacted>
    if (definition !== undefined) {
      copy['definition'] = typeof definition === 'string' ? redactDefinitionText(definition, redactor) : (redactor(definition) ?? null)
    }
    return copy as unknown as T
  }
}
