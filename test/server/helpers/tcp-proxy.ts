/** A TCP proxy on 127.0.0.1 that can be cut and restored, to take a real Redis "down" and back "up". */
import { createConnection, createServer } from 'node:net'
import type { AddressInfo, Server, Socket } from 'node:net'

export interface TcpProxy {
  port: number
  /** Drops every connection and refuses new ones. */
  cut(): Promise<void>
  /** Accepts connections again on the same port. */
  restore(): Promise<void>
  close(): Promise<void>
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const sockets = new Set<Socket>()
  let server: Server | undefined
  let port = 0

  const listen = async (): Promise<void> => {
    const next = createServer((client) => {
      const upstream = createConnection({ port: targetPort, host: targetHost })
      for (const socket of [client, upstream]) {
        sockets.add(socket)
        socket.on('close', () => sockets.delete(socket))
        socket.on('error', () => {
          client.destroy()
          upstream.destroy()
        })
      }
      client.pipe(upstream).pipe(client)
    })
    await new Promise<void>((resolve) => next.listen(port, '127.0.0.1', resolve))
    port = (next.address() as AddressInfo).port
    server = next
  }

  const stop = async (): Promise<void> => {
    const current = server
    server = undefined
    for (const socket of sockets) socket.destroy()
    if (current !== undefined) await new Promise<void>((resolve) => current.close(() => resolve()))
  }

  await listen()
  return {
    get port() {
      return port
    },
    cut: stop,
    restore: listen,
    close: stop,
  }
}
