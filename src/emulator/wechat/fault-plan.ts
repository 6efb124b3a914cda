import type { HeldCalls } from './held-calls.ts'

/** The WeChat server APIs the emulator serves, by the names its controls and stats use. */
export const WECHAT_API_NAMES = ['code2Session', 'stableToken', 'getPhoneNumber', 'checkSessionKey', 'resetSessionKey'] as const
export type WechatApiName = (typeof WECHAT_API_NAMES)[number]

/** One planned misbehaviour of the next call of an API. */
export type Fault =
  | { kind: 'errcode'; errcode: number }
  | { kind: 'drop' }
  | { kind: 'http-status'; status: number }
  /** Waits this long, then answers as usual. */
  | { kind: 'delay'; ms: number }
  /** Waits until the test releases it, then answers as usual. */
  | { kind: 'hold'; calls: HeldCalls }
  /** Answers this status and body as they are, whatever the call asked. */
  | { kind: 'raw'; status: number; body: string }

/**
 * The faults queued for the next calls of each API, taken first in, first
 * out: each call consumes at most one, from its own API's queue.
 */
export class FaultPlan {
  readonly #queues = new Map<WechatApiName, Fault[]>()

  add(api: WechatApiName, fault: Fault, count: number): void {
    let queue = this.#queues.get(api)
    if (!queue) {
      queue = []
      this.#queues.set(api, queue)
    }
    for (let i = 0; i < count; i++) queue.push(fault)
  }

  /** The fault for this call of `api`, if one is planned. */
  take(api: WechatApiName): Fault | undefined {
    return this.#queues.get(api)?.shift()
  }

  pending(api: WechatApiName): number {
    return this.#queues.get(api)?.length ?? 0
  }

  clear(): void {
    this.#queues.clear()
  }
}
