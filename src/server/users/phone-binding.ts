/**
 * Where a bound phone number goes: to the app's `onPhoneNumber` when it has
 * one (the number then lives only in the app's own records), else sealed into
 * the store's users table.
 */
import type { UserStore } from '../store/index.ts'
import type { PhoneNumber } from '../wechat/index.ts'

export interface PhoneNumberHookInput {
  openid: string
  unionid?: string
  userId?: string
  phone: PhoneNumber
}

export type PhoneNumberHook = (input: PhoneNumberHookInput) => void | Promise<void>

export interface PhoneBinding {
  bind(input: PhoneNumberHookInput): Promise<void>
}

export function createPhoneBinding(users: UserStore, onPhoneNumber: PhoneNumberHook | undefined): PhoneBinding {
  return {
    async bind(input) {
      if (onPhoneNumber !== undefined) await onPhoneNumber(input)
      else await users.bindPhoneNumber(input.openid, input.phone, Date.now())
    },
  }
}
