/**
 * `POST {apiBase}/cgi-bin/stable_token` (getStableAccessToken): the AppID and
 * AppSecret go in the JSON body, never in a URL. Normal mode answers the
 * current token while it is valid (and a new one in its last five minutes);
 * `force_refresh: true` replaces it at once, which WeChat allows 20 times a
 * day and at most once per 30 s.
 */
import { callWechatApi } from '../wechat-api-call.ts'
import { WechatApiError } from '../wechat-api-error.ts'

/** WeChat asks for 512 characters of storage; today's tokens are about 130 printable ASCII characters. */
const ACCESS_TOKEN_PATTERN = /^[\x21-\x7E]{16,512}$/
/**
 * WeChat documents a token's life as 7200 s. A day is far above that and far
 * below where the expiry in milliseconds stops being an exact integer (an
 * `expires_in` of 9e12 once made the token cache refuse the write, a 500).
 */
const MAX_EXPIRES_IN_SECONDS = 86_400

export interface StableTokenRequest {
  endpoint: URL
  appId: string
  secret: string
  forceRefresh: boolean
  timeoutMs: number
  fetch: typeof fetch
}

export interface FetchedAccessToken {
  accessToken: string
  /** Whole seconds of life left, as WeChat answered them. */
  expiresInSeconds: number
}

export async function fetchStableToken(request: StableTokenRequest): Promise<FetchedAccessToken> {
  const body = await callWechatApi({
    api: 'stableToken',
    url: request.endpoint,
    json: {
      grant_type: 'client_credential',
      appid: request.appId,
      secret: request.secret,
      ...(request.forceRefresh ? { force_refresh: true } : {}),
    },
    timeoutMs: request.timeoutMs,
    fetch: request.fetch,
  })
  const { access_token: accessToken, expires_in: expiresIn } = body
  if (typeof accessToken !== 'string' || !ACCESS_TOKEN_PATTERN.test(accessToken)) {
    throw new WechatApiError('stableToken', 'invalid_response', 'stable_token answered no access_token of the documented shape')
  }
  if (typeof expiresIn !== 'number' || !Number.isSafeInteger(expiresIn) || expiresIn <= 0 || expiresIn > MAX_EXPIRES_IN_SECONDS) {
    throw new WechatApiError(
      'stableToken',
      'invalid_response',
      `stable_token answered an expires_in that is not a whole number of seconds from 1 to ${MAX_EXPIRES_IN_SECONDS}`,
    )
  }
  return { accessToken, expiresInSeconds: expiresIn }
}
