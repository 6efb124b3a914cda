import type { IncomingMessage, ServerResponse } from 'node:http'
import { fail, WECHAT_ERRCODES, type WechatOutcome } from './errcodes.ts'
import { parseJsonObject } from '../../contract/index.ts'

const MAX_BODY_BYTES = 16 * 1024

/** The request body as text, or `undefined` when it is larger than the emulator reads (16 KiB). */
export async function readBodyText(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    const buffer = chunk as Buffer
    size += buffer.length
    if (size > MAX_BODY_BYTES) return undefined
    chunks.push(buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}

/**
 * The JSON body of a POST WeChat API, answered as WeChat does when it is not
 * one: nothing sent is 44002 (empty post data), anything but a JSON object
 * (or more than 16 KiB) is 47001 (data format error).
 */
export async function readWechatJsonBody(req: IncomingMessage): Promise<WechatOutcome<Record<string, unknown>>> {
  const text = await readBodyText(req)
  if (text === undefined) return fail(WECHAT_ERRCODES.dataFormatError)
  if (text.trim().length === 0) return fail(WECHAT_ERRCODES.emptyPostData)
  const body = parseJsonObject(text)
  return body === undefined ? fail(WECHAT_ERRCODES.dataFormatError) : { ok: true, body }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.destroyed || res.writableEnded) return
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  })
  res.end(text)
}
