/**
 * `POST /auth/phone { code }`: the getPhoneNumber button's code, traded at
 * WeChat (getuserphonenumber) for the session user's number, which is kept
 * with the user (`onPhoneNumber`, or the store's users table, sealed) and
 * answered. The number is in no log line and no error. Each call costs the
 * app's getuserphonenumber quota at WeChat, so the login's limits apply: per
 * client address before the body is read, per user before WeChat is called.
 */
import type { FastifyInstance } from 'fastify'
import { AUTH_ROUTES } from '../../contract/index.ts'
import type { LoginRateLimiter } from '../rate-limit/index.ts'
import { BODY_LIMITS, phoneSchema } from '../schemas.ts'
import type { PhoneBinding } from '../users/index.ts'
import type { PhoneNumber, WechatServerApi } from '../wechat/index.ts'
import { loginSessionOf } from './auth.ts'

export interface PhoneRouteOptions {
  rateLimit: LoginRateLimiter | false
  wechatApi: WechatServerApi
  phoneBinding: PhoneBinding
}

export async function phoneRoute(fastify: FastifyInstance, options: PhoneRouteOptions): Promise<void> {
  fastify.post<{ Body: { code: string } }>(
    AUTH_ROUTES.phone,
    {
      schema: phoneSchema,
      bodyLimit: BODY_LIMITS.phone,
      preHandler: fastify.authenticate,
      config: options.rateLimit === false ? {} : { rateLimit: options.rateLimit.routeConfig() },
    },
    async (request): Promise<PhoneNumber> => {
      const session = loginSessionOf(request)
      if (options.rateLimit !== false) await options.rateLimit.countOpenid(session.openid)
      const phone = await options.wechatApi.getPhoneNumber(request.body.code, session.openid)
      await options.phoneBinding.bind({
        openid: session.openid,
        ...(session.unionid === undefined ? {} : { unionid: session.unionid }),
        ...(session.userId === undefined ? {} : { userId: session.userId }),
        phone,
      })
      request.log.info('phone number bound')
      return phone
    },
  )
}
