export type Outcome<S, F> = { ok: true; result: S } | { ok: false; error: F }

export interface CallbackOption<S, F> {
  success?: ((result: S) => void) | undefined
  fail?: ((error: F) => void) | undefined
  complete?: ((result: S | F) => void) | undefined
}

export type CallbackErrorReporter = (error: unknown) => void

export function hasCallbacks(option: object | undefined): boolean {
  if (option === undefined) return false
  const { success, fail, complete } = option as CallbackOption<unknown, unknown>
  return success !== undefined || fail !== undefined || complete !== undefined
}

/**
 * Calls `success` or `fail`, then `complete`, each exactly once. What a
 * callback throws goes to `report` and does not stop `complete`.
 */
export function deliver<S, F>(option: CallbackOption<S, F> | undefined, outcome: Outcome<S, F>, report: CallbackErrorReporter): void {
  try {
    if (outcome.ok) option?.success?.(outcome.result)
    else option?.fail?.(outcome.error)
  } catch (error) {
    report(error)
  }
  try {
    option?.complete?.(outcome.ok ? outcome.result : outcome.error)
  } catch (error) {
    report(error)
  }
}

/**
 * The two calling styles of an asynchronous `wx` API: with callbacks it
 * returns nothing and calls them; without any it returns a promise that
 * resolves with the success result or rejects with the fail result.
 * `work` must not reject; if it does anyway, `internalFailure` turns the
 * error into a fail result so that callers always hear back.
 */
export function runAsyncApi<S, F>(
  option: CallbackOption<S, F> | undefined,
  work: () => Promise<Outcome<S, F>>,
  internalFailure: (error: unknown) => F,
  report: CallbackErrorReporter,
): Promise<S> | undefined {
  const outcome = work().catch((error: unknown): Outcome<S, F> => ({ ok: false, error: internalFailure(error) }))
  if (hasCallbacks(option)) {
    void outcome.then((settled) => deliver(option, settled, report))
    return undefined
  }
  return outcome.then((settled) => {
    if (settled.ok) return settled.result
    throw settled.error
  })
}
