/** One request written byte for byte on a fresh socket, for what `inject()` cannot send (bad framing, huge headers). */
import { connect } from 'node:net'

export interface RawAnswer {
  status: number
  headers: string
  body: string
}

/** Writes `bytes` to 127.0.0.1:`port` and resolves with what came back once the server closes the connection. */
export function sendRaw(port: number, bytes: string | Buffer): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    const chunks: Buffer[] = []
    socket.on('data', (chunk) => chunks.push(chunk))
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // The server may reset the connection once it has answered; what it sent still counts.
      if (error.code === 'ECONNRESET' && chunks.length > 0) return
      reject(error)
    })
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8')
      const split = text.indexOf('\r\n\r\n')
      resolve({
        status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0),
        headers: split === -1 ? text : text.slice(0, split),
        body: split === -1 ? '' : text.slice(split + 4),
      })
    })
    socket.write(bytes)
  })
}
