/** Resolves when `promise` settles (either way), or after `ms`, whichever comes first; clears its timer. */
export function settledOrAfter(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms)
  })
  const settled = promise.then(
    () => undefined,
    () => undefined,
  )
  return Promise.race([settled, deadline]).then(() => {
    if (timer !== undefined) clearTimeout(timer)
  })
}
