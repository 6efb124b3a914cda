/**
 * A user's phone number as the developer server answers it to the client, and
 * as it keeps it: the three fields of WeChat's getuserphonenumber
 * `phone_info`, each checked for shape.
 */
export interface PhoneNumber {
  /** With the country code for a number outside China (`+85261234567`), without it for a Chinese one. */
  phoneNumber: string
  /** Without the country code. */
  purePhoneNumber: string
  /** Without the `+`, e.g. `'86'`. */
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
