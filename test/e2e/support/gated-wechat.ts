/**
 * A gate in front of the WeChat emulator: holds every request until the test
 * opens it, then passes it on and relays the emulator's answer unchanged. It
 * makes "a request is in flight right now" a fact the test controls, not a
 * matter of timing.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { WechatEmulator } from '../../../src/emulator/index.ts'
import { deferCleanup } from './cleanup.ts'

export interface WechatGate {
  /** Use as the developer server's WeChat `apiBase`. */
  url: string
  /** Resolves once `count` requests are being held. */
  held(count: number): Promise<void>
  /** Lets every held request (and every later one) through. */
  open(): void
}

export async function startWechatGate(emulator: WechatEmulator): Promise<WechatGate> {
  let isOpen = false
  let heldCount = 0
  const waiting: Array<() => void> = []
  const heldWatchers: Array<{ count: number; resolve: () => void }> = []

  const server = createServer((req, res) => {
    const forward = async (): Promise<void> => {
      const answer = await fetch(`${emulator.url}${req.url ?? '/'}`, { method: req.method ?? 'GET' })
      const body = await answer.text()
      res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'text/plain' })
      res.end(body)
    }
    const pass = (): void => {
      forward().catch(() => res.destroy())
    }
    if (isOpen) return pass()
    waiting.push(pass)
    heldCount++
    for (const watcher of heldWatchers.filter((w) => w.count <= heldCount)) {
      heldWatchers.splice(heldWatchers.indexOf(watcher), 1)
      watcher.resolve()
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  deferCleanup(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  )
  const { port } = server.address() as AddressInfo

  return {
    url: `http://127.0.0.1:${port}`,
    held(count) {
      if (heldCount >= count) return Promise.resolve()
      return new Promise((resolve) => heldWatchers.push({ count, resolve }))
    },
    open() {
      isOpen = true
      for (const pass of waiting.splice(0)) pass()
    },
  }
}
