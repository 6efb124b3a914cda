/** The user's phone number as getuserphonenumber answers it (`phone_info`), checked before anything keeps it. */
import { WechatApiError } from './wechat-api-error.ts'

export interface PhoneNumber {
  /** With the country code for a number outside China (`+85261234567`), without it for a Chinese one. */
  phoneNumber: string
  /** Without the country code. */
  purePhoneNumber: string
  /** Without the `+`, e.g. `86`. */
  countryCode: string
}

const PHONE_NUMBER = /^\+?[0-9]{3,20}$/
const PURE_PHONE_NUMBER = /^[0-9]{3,20}$/
const COUNTRY_CODE = /^[0-9]{1,4}$/

export function isPhoneNumber(value: unknown): value is PhoneNumber {
  if (typeof value !== 'object' || value === null) return false
  const { phoneNumber, purePhoneNumber, countryCode } = value as Record<string, unknown>
  return (
    typeof phoneNumber === 'string' &&
    PHONE_NUMBER.test(phoneNumber) &&
    typeof purePhoneNumber === 'string' &&
    PURE_PHONE_NUMBER.test(purePhoneNumber) &&
    typeof countryCode === 'string' &&
    COUNTRY_CODE.test(countryCode)
  )
}

/** `phone_info` of a getuserphonenumber answer, reduced to the three fields; `invalid_response` when it is not one. */
export function phoneNumberOfAnswer(body: Record<string, unknown>): PhoneNumber {
  const info = body['phone_info']
  if (!isPhoneNumber(info)) {
    // The answer itself is never quoted: it is a phone number.
    throw new WechatApiError('getPhoneNumber', 'invalid_response', 'getuserphonenumber answered no phone_info of the documented shape')
  }
  return { phoneNumber: info.phoneNumber, purePhoneNumber: info.purePhoneNumber, countryCode: info.countryCode }
}
