/** The app's access_token: fetched with stable_token, shared through the session store, refreshed by one instance at a time. */
export {
  createAccessTokenManager,
  DEFAULT_ACCESS_TOKEN_REFRESH_AHEAD_MS,
  DEFAULT_ACCESS_TOKEN_TIMEOUT_MS,
  DEFAULT_FORCE_REFRESH_INTERVAL_MS,
  DEFAULT_MAX_FORCE_REFRESHES_PER_DAY,
} from './access-token-manager.ts'
export type { AccessTokenEvent, AccessTokenManager, AccessTokenManagerOptions, ForceWithheldReason } from './access-token-manager.ts'
export { createMemoryTokenCache } from './token-cache.ts'
export type { CachedAccessToken, WechatTokenCache } from './token-cache.ts'
export { fetchStableToken } from './stable-token.ts'
export type { FetchedAccessToken, StableTokenRequest } from './stable-token.ts'
