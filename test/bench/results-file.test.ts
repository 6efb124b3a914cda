import { describe, expect, it } from 'vitest'
import { defaultBenchConfig, redactUrl, resultsJson, resultsRecord, runHttpThroughput } from '../../bench/index.ts'

describe('what the bench records and prints holds no secret', () => {
  it('redacts a password in a URL', () => {
    expect(redactUrl('redis://bench:hunter2@10.0.0.5:6380/2')).toBe('redis://bench:***@10.0.0.5:6380/2')
    expect(redactUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379')
    expect(redactUrl('hunter2 is not a url')).not.toContain('hunter2')
  })

  it('results.json: the Redis password is redacted, and figures that could not be computed are null', () => {
    const config = { ...defaultBenchConfig(), redisUrl: 'redis://:hunter2@127.0.0.1:6379' }
    const record = resultsRecord({
      config,
      loadBefore: [1],
      loadAfter: [2],
      durationSec: 1,
      ratios: [],
      results: { ratio: Number.NaN },
      failures: [],
    })
    const json = resultsJson(record)
    expect(json).not.toContain('hunter2')
    expect(JSON.parse(json)).toMatchObject({ config: { redisUrl: 'redis://:***@127.0.0.1:6379' }, results: { ratio: null } })
  })

  it('the HTTP section does not repeat a Redis password in its notes', async () => {
    const result = await runHttpThroughput({
      durationSec: 1,
      warmupSec: 0,
      connections: 1,
      inProcess: true,
      redisUrl: 'redis://bench:hunter2@127.0.0.1:1',
      amount: 2,
    })
    expect(result.notes).toHaveLength(1)
    expect(JSON.stringify(result)).not.toContain('hunter2')
  })
})
