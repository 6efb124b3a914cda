/** Collects every line a pino logger writes. */
export interface LogCapture {
  lines: string[]
  stream: { write(line: string): void }
  text(): string
}

export function captureLogs(): LogCapture {
  const lines: string[] = []
  return {
    lines,
    stream: {
      write(line: string) {
        lines.push(line)
      },
    },
    text: () => lines.join(''),
  }
}
