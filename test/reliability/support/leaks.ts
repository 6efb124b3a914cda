/** What must never show in an HTTP answer: stack traces, source paths, internal error names, connection details. */
const INTERNAL_MARKERS: Array<{ name: string; pattern: RegExp }> = [
  { name: 'a stack frame', pattern: /\bat\s+(?:async\s+)?[\w$.<>[\]]+\s+\(/ },
  { name: 'a source position', pattern: /\.(?:ts|js|mjs|cjs):\d+/ },
  { name: 'a file URL', pattern: /file:\/\// },
  { name: 'node_modules', pattern: /node_modules/ },
  { name: 'an internal error class', pattern: /\b(?:SessionStore|Code2Session|DecryptData|Type|Range|Reference|Syntax|Fastify)Error\b/ },
  { name: 'a socket error code', pattern: /\bE(?:CONNREFUSED|CONNRESET|PIPE|TIMEDOUT|NOTFOUND)\b/ },
  { name: 'a Redis URL', pattern: /redis:\/\// },
  { name: 'an SQL statement', pattern: /\b(?:SELECT\s[^\n]*?\sFROM|INSERT\s+INTO|DELETE\s+FROM|UPDATE\s+\w+\s+SET)\s/ },
]

/** The kinds of internals `text` gives away; empty when none. */
export function internalsIn(text: string): string[] {
  const found = INTERNAL_MARKERS.filter(({ pattern }) => pattern.test(text)).map(({ name }) => name)
  const cwd = process.cwd()
  if (cwd.length > 1 && text.includes(cwd)) found.push('the working directory')
  return found
}

/** Every secret from `secrets` that occurs in `text` (short strings are ignored: they would match by chance). */
export function secretsIn(text: string, secrets: Iterable<string>): string[] {
  const found: string[] = []
  for (const secret of secrets) if (secret.length >= 8 && text.includes(secret)) found.push(secret)
  return found
}
