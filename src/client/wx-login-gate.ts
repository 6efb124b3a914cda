/**
 * One `wx.login` at a time, whoever asks: the login machine, or
 * `refreshSessionKey()`. Each `wx.login` may rotate the user's session_key at
 * WeChat, so a second one while the first is still running could leave the
 * server holding the key of whichever exchange came last rather than the
 * newest. A call waits for the previous one to settle, at most its own
 * `timeout`, then fails with `timeout` rather than overlap.
 */
import { LoginError } from '../contract/index.ts'
import type { Platform } from '../platform/types.ts'
import { settledOrAfter } from './settled-or-after.ts'

function ignore(): void {}

/** `platform` with its `login` gated; every other member is the platform's own (through the prototype, so class instances work too). */
export function withOneWxLogin(platform: Platform): Platform {
  let running: Promise<void> | null = null
  const gated = Object.create(platform) as Platform
  gated.login = async (opts) => {
    const giveUpAt = Date.now() + opts.timeout
    while (running) {
      const earlier: Promise<void> = running
      const remaining = giveUpAt - Date.now()
      if (remaining <= 0) throw new LoginError('timeout', 'an earlier wx.login has not answered yet')
      await settledOrAfter(earlier, remaining)
    }
    const call = platform.login(opts)
    const mine: Promise<void> = call.then(ignore, ignore).then(() => {
      // Stryker disable next-line ConditionalExpression: equivalent; `running` is replaced only once it is null, so here it is always `mine`. The check keeps that so if callers ever change.
      if (running === mine) running = null
    })
    running = mine
    return call
  }
  return gated
}
