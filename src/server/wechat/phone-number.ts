/** The user's phone number as getuserphonenumber answers it (`phone_info`), checked before anything keeps it. */
import { isPhoneNumber, type PhoneNumber } from '../../contract/index.ts'
import { WechatApiError } from './wechat-api-error.ts'

export { isPhoneNumber, type PhoneNumber }

/** `phone_info` of a getuserphonenumber answer, reduced to the three fields; `invalid_response` when it is not one. */
export function phoneNumberOfAnswer(body: Record<string, unknown>): PhoneNumber {
  const info = body['phone_info']
  if (!isPhoneNumber(info)) {
    // The answer itself is never quoted: it is a phone number.
    throw new WechatApiError('getPhoneNumber', 'invalid_response', 'getuserphonenumber answered no phone_info of the documented shape')
  }
  return { phoneNumber: info.phoneNumber, purePhoneNumber: info.purePhoneNumber, countryCode: info.countryCode }
}
