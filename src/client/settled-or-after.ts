/** Resolves when `promise` settles (either way), or after `ms`, whichever comes first; clears its timer. */
export function settledOrAfter(promise: Promise<unknown>, ms: number): Promise<void> {
  return settleWithin(promise, ms).then(() => undefined)
}

export type Settlement<T> = { status: 'fulfilled'; value: T } | { status: 'rejected'; reason: unknown } | { status: 'timeout' }

/** How `promise` settled, or `timeout` when it had not after `ms`; one timer, cleared when the promise wins. */
export function settleWithin<T>(promise: Promise<T>, ms: number): Promise<Settlement<T>> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const deadline = new Promise<Settlement<T>>((resolve) => {
    timer = setTimeout(() => resolve({ status: 'timeout' }), ms)
  })
  const settled = promise.then(
    (value): Settlement<T> => ({ status: 'fulfilled', value }),
    (reason: unknown): Settlement<T> => ({ status: 'rejected', reason }),
  )
  return Promise.race([settled, deadline]).then((outcome) => {
    clearTimeout(timer)
    return outcome
  })
}
