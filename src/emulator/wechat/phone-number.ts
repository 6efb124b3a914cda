/** A phone number split the way getuserphonenumber's `phone_info` reports it. */
export interface PhoneNumberParts {
  /** With the country code for numbers outside mainland China (`+85261234567`), without it for Chinese ones. */
  phoneNumber: string
  /** The number without country code. */
  purePhoneNumber: string
  /** The country code without `+`, a string as WeChat documents it (`'86'`). */
  countryCode: string
}

const CHINA = '86'
const WITH_COUNTRY_CODE = /^\+(\d{1,4})[ -](\d{4,14})$/
const NATIONAL = /^\d{4,14}$/

/**
 * Reads `'+86 13800138000'`, `'+852 61234567'` or `'13800138000'` (taken as
 * Chinese, country code 86). The country code must be set apart by a space or
 * a hyphen, since `+8613800138000` alone does not say where it ends. The
 * message of the error never repeats the number.
 */
export function parsePhoneNumber(input: unknown): PhoneNumberParts {
  if (typeof input !== 'string') throw new TypeError('issuePhoneCode: phoneNumber must be a string')
  const trimmed = input.trim()
  const international = WITH_COUNTRY_CODE.exec(trimmed)
  if (international) {
    const countryCode = international[1] as string
    const purePhoneNumber = international[2] as string
    return { phoneNumber: countryCode === CHINA ? purePhoneNumber : `+${countryCode}${purePhoneNumber}`, purePhoneNumber, countryCode }
  }
  if (NATIONAL.test(trimmed)) return { phoneNumber: trimmed, purePhoneNumber: trimmed, countryCode: CHINA }
  throw new RangeError(
    "issuePhoneCode: phoneNumber must be digits, optionally after a country code set apart by a space: '+86 13800138000' or '13800138000'",
  )
}
