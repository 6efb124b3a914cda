/**
 * Decorates the instance with what the app's own routes need from WeChat's
 * server API: `wechatAccessToken()` (the shared access_token, for any API the
 * package does not wrap) with `replaceWechatAccessToken()` for when WeChat
 * refuses it, `checkSessionKey(openid)` and
 * `resetSessionKey(openid)` (the user's stored session_key, checked with or
 * replaced at WeChat).
 */
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { SessionKeyService } from '../session-keys/index.ts'
import { asHttpError } from '../wechat/index.ts'
import type { AccessTokenManager } from '../wechat/index.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * The app's access_token, shared by every instance over the store and kept
     * fresh by one of them at a time, for the WeChat APIs the package does not
     * wrap. Never log it or send it to a client.
     */
    wechatAccessToken(): Promise<string>
    /**
     * When WeChat answered a call of yours 40001, 42001 or 40014 for
     * `refused`: a replacement to retry the call with, once. Force refreshes
     * happen only when nothing else helps, spaced and counted for every
     * instance (docs/server.md); an `HttpError` 503 when no other token can be had.
     */
    replaceWechatAccessToken(refused: string, errcode: number): Promise<string>
    /** `true` while the user's stored session_key is WeChat's current one (checksession); `false` when stale or missing. */
    checkSessionKey(openid: string): Promise<boolean>
    /** Has WeChat replace the user's session_key (resetusersessionkey) and stores the new one; 409 `session_key_stale` when the stored one is stale. */
    resetSessionKey(openid: string): Promise<void>
  }
}

export interface WechatServerApiPluginOptions {
  tokens: AccessTokenManager
  sessionKeys: SessionKeyService
}

async function wechatServerApi(fastify: FastifyInstance, options: WechatServerApiPluginOptions): Promise<void> {
  const { tokens, sessionKeys } = options
  fastify.decorate('wechatAccessToken', () => tokens.get())
  fastify.decorate('replaceWechatAccessToken', (refused: string, errcode: number) =>
    tokens.replace(refused, errcode).catch((error: unknown) => {
      throw asHttpError(error)
    }),
  )
  fastify.decorate('checkSessionKey', (openid: string) => sessionKeys.check(openid))
  fastify.decorate('resetSessionKey', (openid: string) => sessionKeys.reset(openid))
}

export const wechatServerApiPlugin = fp(wechatServerApi, { name: 'mpl-wechat-server-api', fastify: '5.x' })
