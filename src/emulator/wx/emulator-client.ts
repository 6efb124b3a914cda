import { describeNetworkError, type NetworkFailure } from './network-failure.ts'

export type EmulatorAnswer =
  { kind: 'answer'; status: number; body: unknown } | { kind: 'timeout' } | { kind: 'network'; failure: NetworkFailure }

/**
 * POSTs JSON to one of the emulator's private `/__sim/*` endpoints, the way
 * the WeChat app talks to WeChat. Never rejects: a failure is an answer kind.
 */
export async function callEmulator(baseUrl: string, path: string, payload: unknown, timeoutMs: number): Promise<EmulatorAnswer> {
  const controller = new AbortController()
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    controller.abort()
  }, timeoutMs)
  try {
    const response = await fetch(new URL(path, baseUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
      signal: controller.signal,
    })
    const text = await response.text()
    let body: unknown = text
    try {
      body = JSON.parse(text)
    } catch {
      // not JSON: keep the text
    }
    return { kind: 'answer', status: response.status, body }
  } catch (error) {
    if (timedOut) return { kind: 'timeout' }
    return { kind: 'network', failure: describeNetworkError(error) }
  } finally {
    clearTimeout(timer)
  }
}
