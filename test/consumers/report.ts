/** What the consumers report, and how the runner prints it. */

export interface CheckResult {
  name: string
  ok: boolean
  /** What went wrong, a few lines; empty when `ok`. */
  details: string[]
}

export interface ConsumerOutcome {
  name: string
  results: CheckResult[]
  /** Time spent installing (npm install, or miniprogram-ci's cache), and running the checks. */
  installMs?: number
  checkMs?: number
}

/** Most lines of detail printed under one failed check. */
export const MAX_DETAIL_LINES = 15

export function seconds(ms: number | undefined): string {
  return ms === undefined ? '-' : `${(ms / 1000).toFixed(1)} s`
}

/** The `ok …` / `not ok …` lines a fixture prints (test/consumers/fixtures/shared/checks.mjs), as results. */
export function parseFixtureReport(output: string): CheckResult[] {
  const results: CheckResult[] = []
  for (const line of output.split('\n')) {
    const ok = /^ok (.+)$/.exec(line)
    const notOk = /^not ok (.+)$/.exec(line)
    if (ok?.[1] !== undefined) results.push({ name: ok[1], ok: true, details: [] })
    else if (notOk?.[1] !== undefined) results.push({ name: notOk[1], ok: false, details: [] })
    else if (line.startsWith('    ') && results.at(-1)?.ok === false) results.at(-1)?.details.push(line.slice(4))
  }
  return results
}

/** One consumer's block of the runner's output. */
export function formatOutcome(outcome: ConsumerOutcome): string {
  const lines = [`${outcome.name} (install ${seconds(outcome.installMs)}, checks ${seconds(outcome.checkMs)})`]
  for (const result of outcome.results) {
    lines.push(`  ${result.ok ? 'ok  ' : 'FAIL'} ${result.name}`)
    const details = result.details.slice(0, MAX_DETAIL_LINES)
    if (result.details.length > details.length) details.push(`… ${result.details.length - details.length} more lines`)
    for (const detail of details) lines.push(`         ${detail}`)
  }
  return lines.join('\n')
}
