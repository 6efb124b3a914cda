/**
 * Loads an optional peer dependency when the feature that needs it is used,
 * not when `miniprogram-login/server` is imported: a server on SQLite never
 * needs `ioredis`, and one without a rate limit never needs
 * `@fastify/rate-limit`. A missing package fails right there, in one line that
 * names the package and the feature.
 */
import { createRequire } from 'node:module'

const requireFromHere = createRequire(import.meta.url)

export class MissingPeerDependencyError extends Error {
  override readonly name = 'MissingPeerDependencyError'
  readonly packageName: string

  constructor(packageName: string, feature: string, cause: unknown) {
    super(`miniprogram-login: ${feature} needs the package '${packageName}'; install it with \`npm install ${packageName}\``, { cause })
    this.packageName = packageName
  }
}

function isMissing(error: unknown, packageName: string): boolean {
  const code = (error as { code?: unknown } | null)?.code
  // Only the package itself: a package that is there but fails to load (a broken native build) says so in its own error.
  return (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') && String((error as Error).message).includes(`'${packageName}'`)
}

/** `require(packageName)`, or a `MissingPeerDependencyError` saying what to install for `feature`. */
export function loadOptionalPeer<T>(packageName: string, feature: string, load: (name: string) => unknown = requireFromHere): T {
  try {
    return load(packageName) as T
  } catch (error) {
    if (isMissing(error, packageName)) throw new MissingPeerDependencyError(packageName, feature, error)
    throw error
  }
}
