/**
 * A TCP proxy on 127.0.0.1 in front of a real service (Redis), which a test
 * can cut (every open connection dropped, new ones refused) and restore on
 * the same port: an outage staged without touching the service itself.
 */
import { createConnection, createServer } from 'node:net'
import type { AddressInfo, Server, Socket } from 'node:net'

export { unusedPort as refusedPort } from './ports.ts'

export interface TcpFaultProxy {
  /** Stays the same across `cut()` and `restore()`, so clients reconnect to where they were. */
  readonly port: number
  /** Drops every open connection and stops listening. */
  cut(): Promise<void>
  /**
   * The next request that contains `marker` reaches the service, but the
   * connection drops as its reply comes back: the service did the work and the
   * client never heard, as when a link fails at the wrong moment.
   */
  loseNextReplyTo(marker: string): void
  /** How many requests containing a marker have gone through (resends included). */
  sentWith(marker: string): number
  /** Listens again on the same port (nothing happens when it already listens). */
  restore(): Promise<void>
  close(): Promise<void>
}

export async function startTcpFaultProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpFaultProxy> {
  const open = new Set<Socket>()
  let listener: Server | undefined
  let port = 0
  let lossArmedFor: string | undefined
  const markers = new Map<string, number>()

  function track(socket: Socket): void {
    open.add(socket)
    socket.once('close', () => open.delete(socket))
  }

  async function restore(): Promise<void> {
    if (listener !== undefined) return
    const server = createServer((inbound) => {
      const outbound = createConnection({ port: targetPort, host: targetHost })
      track(inbound)
      track(outbound)
      // Either side going away ends both: a half-open pair would look like a stalled service.
      const drop = (): void => {
        inbound.destroy()
        outbound.destroy()
      }
      for (const socket of [inbound, outbound]) {
        socket.on('error', drop)
        socket.on('close', drop)
      }
      let loseReply = false
      inbound.on('data', (chunk: Buffer) => {
        for (const [marker, count] of markers) if (chunk.includes(marker)) markers.set(marker, count + 1)
        if (lossArmedFor !== undefined && chunk.includes(lossArmedFor)) {
          lossArmedFor = undefined
          loseReply = true
        }
        outbound.write(chunk)
      })
      outbound.on('data', (chunk: Buffer) => {
        if (loseReply) drop()
        else inbound.write(chunk)
      })
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

  async function cut(): Promise<void> {
    const server = listener
    listener = undefined
    for (const socket of open) socket.destroy()
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()))
  }

  await restore()
  return {
    get port() {
      return port
    },
    cut,
    restore,
    close: cut,
    loseNextReplyTo(marker: string): void {
      lossArmedFor = marker
      markers.set(marker, markers.get(marker) ?? 0)
    },
    sentWith(marker: string): number {
      return markers.get(marker) ?? 0
    },
  }
}
