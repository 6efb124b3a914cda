/**
 * The HTTP adapter's calls beside the login: `POST /auth/phone` and
 * `POST /auth/session-key`, each with the session's token.
 */
import { isPhoneNumber, LoginError } from '../../contract/index.ts'
import type { PlatformResponse } from '../../platform/types.ts'
import { errorFromResponse } from './http-errors.ts'
import type { PhoneNumber, Session, SessionServer } from './types.ts'

export interface AccountCallsDeps {
  post(route: 'phone' | 'sessionKey', init: { data?: unknown; header?: Record<string, string> }): Promise<PlatformResponse>
  authHeader(session: Session): Record<string, string>
}

function toPhoneNumber(data: unknown): PhoneNumber {
  if (isPhoneNumber(data)) return { phoneNumber: data.phoneNumber, purePhoneNumber: data.purePhoneNumber, countryCode: data.countryCode }
  // The answer is never quoted: it may hold a number.
  throw new LoginError('invalid_response', 'the developer server answered no { phoneNumber, purePhoneNumber, countryCode }')
}

export function accountCalls(deps: AccountCallsDeps): Required<Pick<SessionServer, 'bindPhoneNumber' | 'refreshSessionKey'>> {
  return {
    async bindPhoneNumber(session, code) {
      const response = await deps.post('phone', { data: { code }, header: deps.authHeader(session) })
      if (response.statusCode !== 200) throw errorFromResponse(response, 'phone number')
      return toPhoneNumber(response.data)
    },

    async refreshSessionKey(session, code) {
      const response = await deps.post('sessionKey', { data: { code }, header: deps.authHeader(session) })
      if (response.statusCode < 200 || response.statusCode >= 300) throw errorFromResponse(response, 'session_key refresh')
    },
  }
}
