/**
 * The HTTP section makes up an AppSecret for the emulator and hands it to the
 * developer servers. It must not show up in what the bench reports.
 */
import { describe, expect, it, vi } from 'vitest'

const seen = vi.hoisted(() => ({ secrets: [] as string[] }))

vi.mock('../../src/emulator/index.ts', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/emulator/index.ts')>()
  return {
    ...original,
    startWechatEmulator: (options: Parameters<typeof original.startWechatEmulator>[0]) => {
      seen.secrets.push(options.secret)
      return original.startWechatEmulator(options)
    },
  }
})

const { formatHttp, runHttpThroughput } = await import('../../bench/index.ts')

describe('the emulator AppSecret stays out of the report', () => {
  it('is neither in the result nor in the printed table', async () => {
    const result = await runHttpThroughput({
      durationSec: 1,
      warmupSec: 0,
      connections: 1,
      inProcess: true,
      redisUrl: 'redis://127.0.0.1:1',
      amount: 2,
    })
    expect(seen.secrets).toHaveLength(1)
    const secret = seen.secrets[0] as string
    expect(secret.length).toBeGreaterThanOrEqual(16)
    expect(result.runs.length).toBeGreaterThan(0)
    expect(JSON.stringify(result)).not.toContain(secret)
    expect(formatHttp(result)).not.toContain(secret)
  })
})
