/**
 * A TCP relay on 127.0.0.1 in front of a real service (Redis), which a test
 * can take down (every connection cut, new ones refused) and bring back on
 * the same port, to stage an outage without touching the service itself.
 */
import { createConnection, createServer } from 'node:net'
import type { AddressInfo, Server, Socket } from 'node:net'

export interface Relay {
  readonly port: number
  /** Cuts every open connection and stops listening. */
  down(): Promise<void>
  /** Listens again on the same port. */
  up(): Promise<void>
  close(): Promise<void>
}

export async function startRelay(targetPort: number, targetHost = '127.0.0.1'): Promise<Relay> {
  const open = new Set<Socket>()
  let listener: Server | undefined
  let port = 0

  function track(socket: Socket): void {
    open.add(socket)
    socket.once('close', () => open.delete(socket))
  }

  async function up(): Promise<void> {
    if (listener !== undefined) return
    const server = createServer((inbound) => {
      const outbound = createConnection({ port: targetPort, host: targetHost })
      track(inbound)
      track(outbound)
      const cut = (): void => {
        inbound.destroy()
        outbound.destroy()
      }
      inbound.on('error', cut)
      outbound.on('error', cut)
      inbound.on('close', cut)
      outbound.on('close', cut)
      inbound.pipe(outbound)
      outbound.pipe(inbound)
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject)
        resolve()
      })
    })
    port = (server.address() as AddressInfo).port
    listener = server
  }

  async function down(): Promise<void> {
    const server = listener
    listener = undefined
    for (const socket of open) socket.destroy()
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()))
  }

  await up()
  return {
    get port() {
      return port
    },
    up,
    down,
    close: down,
  }
}

/** A port on 127.0.0.1 where nothing listens (connections are refused). */
export async function refusedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}
