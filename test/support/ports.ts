/** Loopback ports for tests: one the system just handed out and nobody listens on any more. */
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'

/**
 * A port on 127.0.0.1 that nothing listens on: bound, read and released.
 * Connecting to it is refused; starting a server on it usually works (another
 * process may take it in between, so whoever listens on it must be ready to try again).
 */
export async function unusedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}
