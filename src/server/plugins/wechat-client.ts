/** Decorates the instance with `code2Session`, the WeChat `auth.code2Session` client. */
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Code2SessionClient } from '../wechat/index.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** Trades a `wx.login` code for the user's identity. */
    code2Session: Code2SessionClient
  }
}

export interface WechatClientPluginOptions {
  client: Code2SessionClient
}

async function wechatClient(fastify: FastifyInstance, options: WechatClientPluginOptions): Promise<void> {
  fastify.decorate('code2Session', options.client)
}

export const wechatClientPlugin = fp(wechatClient, { name: 'mpl-wechat-client', fastify: '5.x' })
