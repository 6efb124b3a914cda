/**
 * `wx.connectSocket` for tests, over a real WebSocket (the `ws` package),
 * behaving as WeChat documents it:
 *
 * - `connectSocket(option)` returns a SocketTask at once; `success`/`fail`/
 *   `complete` only say whether the call was accepted (a ws/wss URL), not
 *   whether the connection opened: that is `onOpen`, or `onError`/`onClose`.
 * - Listeners registered after an event happened miss it (WeChat asks for
 *   `onOpen` right after `connectSocket`).
 * - `send` works only after `onOpen`; before, it calls `fail`.
 * - `close` on a socket that is not open calls `fail` ("not connected") and
 *   the connection carries on.
 * - `onOpen` gets `{ header, profile }`, `onMessage` `{ data }` (string, or
 *   ArrayBuffer for binary), `onError` `{ errMsg }`, `onClose` `{ code, reason }`.
 */
import { WebSocket } from 'ws'

type Listener<T> = (result: T) => void

export interface WsConnectSocket {
  connectSocket: (option: WechatMiniprogram.ConnectSocketOption) => WechatMiniprogram.SocketTask
  /** Every frame handed to an open socket, in order, across all tasks. */
  readonly sent: string[]
  /** How many times `connectSocket` was called. */
  readonly connectCount: number
  /** Terminates every socket still alive and waits for them to close. */
  closeAll(): Promise<void>
}

const EMPTY_PROFILE: WechatMiniprogram.SocketProfile = {
  connectEnd: 0,
  connectStart: 0,
  cost: 0,
  domainLookUpEnd: 0,
  domainLookUpStart: 0,
  fetchStart: 0,
  handshakeCost: 0,
  rtt: 0,
}

function later(fn: () => void): void {
  setTimeout(fn, 0)
}

export function createWsConnectSocket(): WsConnectSocket {
  const sockets = new Set<WebSocket>()
  const sent: string[] = []
  let connectCount = 0

  function connectSocket(option: WechatMiniprogram.ConnectSocketOption): WechatMiniprogram.SocketTask {
    connectCount += 1
    const listeners = {
      open: [] as Listener<WechatMiniprogram.OnOpenListenerResult>[],
      message: [] as Listener<WechatMiniprogram.SocketTaskOnMessageListenerResult>[],
      error: [] as Listener<WechatMiniprogram.GeneralCallbackResult>[],
      close: [] as Listener<WechatMiniprogram.SocketTaskOnCloseListenerResult>[],
    }
    const emit = <T>(list: Listener<T>[], result: T): void => {
      for (const listener of [...list]) listener(result)
    }

    let socket: WebSocket | undefined
    if (typeof option.url !== 'string' || !/^wss?:\/\//i.test(option.url)) {
      later(() => {
        const result = { errMsg: `connectSocket:fail invalid url "${String(option.url)}"` }
        option.fail?.(result)
        option.complete?.(result)
      })
    } else {
      socket = new WebSocket(option.url, option.protocols ?? [], {
        headers: (option.header ?? {}) as Record<string, string>,
        perMessageDeflate: option.perMessageDeflate ?? false,
        handshakeTimeout: option.timeout ?? 60_000,
      })
      sockets.add(socket)
      let responseHeader: Record<string, unknown> = {}
      socket.on('upgrade', (response) => {
        responseHeader = { ...response.headers }
      })
      socket.on('open', () => emit(listeners.open, { header: responseHeader, profile: EMPTY_PROFILE }))
      socket.on('message', (data, isBinary) => {
        const buffer = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer)
        const payload = isBinary ? buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength) : buffer.toString('utf8')
        emit(listeners.message, { data: payload as string | ArrayBuffer })
      })
      socket.on('error', (error) => emit(listeners.error, { errMsg: `WebSocket error: ${error.message}` }))
      socket.on('close', (code, reason) => {
        sockets.delete(socket as WebSocket)
        emit(listeners.close, { code, reason: reason.toString('utf8') })
      })
      later(() => {
        const result = { errMsg: 'connectSocket:ok' }
        option.success?.(result)
        option.complete?.(result)
      })
    }

    const task: WechatMiniprogram.SocketTask = {
      onOpen: (listener) => void listeners.open.push(listener),
      onMessage: (listener) => void listeners.message.push(listener),
      onError: (listener) => void listeners.error.push(listener),
      onClose: (listener) => void listeners.close.push(listener),
      send(sendOption) {
        if (!socket || socket.readyState !== WebSocket.OPEN) {
          later(() => {
            const result = { errMsg: 'sendSocketMessage:fail WebSocket is not connected' }
            sendOption.fail?.(result)
            sendOption.complete?.(result)
          })
          return
        }
        if (typeof sendOption.data === 'string') sent.push(sendOption.data)
        socket.send(sendOption.data, (error) => {
          const result = { errMsg: error ? `sendSocketMessage:fail ${error.message}` : 'sendSocketMessage:ok' }
          if (error) sendOption.fail?.(result)
          else sendOption.success?.(result)
          sendOption.complete?.(result)
        })
      },
      close(closeOption) {
        if (!socket || socket.readyState !== WebSocket.OPEN) {
          later(() => {
            const result = { errMsg: 'closeSocket:fail WebSocket is not connected' }
            closeOption.fail?.(result)
            closeOption.complete?.(result)
          })
          return
        }
        try {
          socket.close(closeOption.code ?? 1000, closeOption.reason)
        } catch (error) {
          later(() => {
            const result = { errMsg: `closeSocket:fail ${(error as Error).message}` }
            closeOption.fail?.(result)
            closeOption.complete?.(result)
          })
          return
        }
        later(() => {
          const result = { errMsg: 'closeSocket:ok' }
          closeOption.success?.(result)
          closeOption.complete?.(result)
        })
      },
    }
    return task
  }

  return {
    connectSocket,
    sent,
    get connectCount() {
      return connectCount
    },
    async closeAll() {
      const closing = [...sockets].map(
        (socket) =>
          new Promise<void>((resolve) => {
            if (socket.readyState === WebSocket.CLOSED) return resolve()
            socket.once('close', () => resolve())
            socket.terminate()
          }),
      )
      await Promise.all(closing)
    },
  }
}
