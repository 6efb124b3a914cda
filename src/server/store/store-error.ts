/** The session store could not do its job (down, closed, corrupt). Routes answer 503. */
export class SessionStoreError extends Error {
  override readonly name = 'SessionStoreError'

  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
  }
}

export function isSessionStoreError(value: unknown): value is SessionStoreError {
  return value instanceof SessionStoreError
}
