/**
 * How the server calls any WeChat API: no redirect is followed (a 3xx is an
 * answer, and a failed one: an identity served from wherever a redirect led is
 * not WeChat's), and the body is read up to a cap, the request aborted as
 * soon as more arrives, so an endless or huge answer costs at most the cap.
 */

/** WeChat's JSON answers are a few hundred bytes; nothing it sends comes near this. */
export const WECHAT_ANSWER_MAX_BYTES = 64 * 1024

export type BoundedAnswer = { kind: 'answer'; status: number; text: string } | { kind: 'too_large'; status: number }

/** A JSON body to POST instead of a GET (WeChat's POST APIs take JSON). */
export interface BoundedPost {
  json: unknown
}

/**
 * GETs `url`, or POSTs `post.json` to it; the caller's `signal` bounds the
 * whole call. Rejects on network failures and aborts, as `fetch` does.
 */
export function fetchBounded(
  doFetch: typeof fetch,
  url: URL,
  signal: AbortSignal,
  maxBytes = WECHAT_ANSWER_MAX_BYTES,
  post?: BoundedPost,
): Promise<BoundedAnswer> {
  return settledByAbort(readBounded(doFetch, url, signal, maxBytes, post), signal)
}

/**
 * `work`, or the signal's reason as soon as it aborts. Node's fetch stops on the signal by itself,
 * but a `fetch` given in the options (a proxy's, a test's) may ignore it, and the call must end at
 * its deadline all the same.
 */
function settledByAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason)
    if (signal.aborted) onAbort()
    else signal.addEventListener('abort', onAbort, { once: true })
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}

async function readBounded(
  doFetch: typeof fetch,
  url: URL,
  signal: AbortSignal,
  maxBytes: number,
  post: BoundedPost | undefined,
): Promise<BoundedAnswer> {
  const reading = new AbortController()
  const stop = AbortSignal.any([signal, reading.signal])
  const init: RequestInit =
    post === undefined
      ? { method: 'GET', signal: stop, redirect: 'manual', headers: { accept: 'application/json' } }
      : {
          method: 'POST',
          signal: stop,
          redirect: 'manual',
          headers: { accept: 'application/json', 'content-type': 'application/json' },
          body: JSON.stringify(post.json),
        }
  const response = await doFetch(url, init)
  const declared = Number(response.headers.get('content-length'))
  if (Number.isFinite(declared) && declared > maxBytes) {
    reading.abort()
    return { kind: 'too_large', status: response.status }
  }
  if (response.body === null) return { kind: 'answer', status: response.status, text: '' }

  const chunks: Uint8Array[] = []
  let size = 0
  const reader = response.body.getReader()
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      size += value.byteLength
      if (size > maxBytes) {
        // Stop the download itself, not just the reading.
        reading.abort()
        return { kind: 'too_large', status: response.status }
      }
      chunks.push(value)
    }
  } finally {
    reader.releaseLock()
  }
  return { kind: 'answer', status: response.status, text: Buffer.concat(chunks).toString('utf8') }
}
