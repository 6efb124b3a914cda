/**
 * `POST /auth/phone { code }`: the getPhoneNumber button's code, traded at
 * WeChat (getuserphonenumber) for the session user's number, which is kept
 * with the user (`onPhoneNumber`, or the store's users table, sealed) and
 * answered. The number is in no log line and no error.
 */
import type { FastifyInstance } from 'fastify'
import { AUTH_ROUTES } from '../../contract/index.ts'
import { BODY_LIMITS, phoneSchema } from '../schemas.ts'
import type { PhoneBinding } from '../users/index.ts'
import type { PhoneNumber, WechatServerApi } from '../wechat/index.ts'
import { loginSessionOf } from './auth.ts'

export interface PhoneRouteOptions {
  wechatApi: WechatServerApi
  phoneBinding: PhoneBinding
}

export async function phoneRoute(fastify: FastifyInstance, options: PhoneRouteOptions): Promise<void> {
  fastify.post<{ Body: { code: string } }>(
    AUTH_ROUTES.phone,
    { schema: phoneSchema, bodyLimit: BODY_LIMITS.phone, preHandler: fastify.authenticate },
    async (request): Promise<PhoneNumber> => {
      const session = loginSessionOf(request)
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
