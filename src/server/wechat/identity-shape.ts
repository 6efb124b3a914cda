/**
 * What WeChat's identifiers look like, so an answer that does not is refused
 * before anything is stored: openid and unionid are 28 characters of
 * base64url today (up to 64 accepted), a session_key is base64 of 16 bytes.
 * An openid is also a Redis Cluster hash tag in the Redis store, where braces
 * would break it; this alphabet has none.
 */
export const WECHAT_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/
export const SESSION_KEY_PATTERN = /^[A-Za-z0-9+/]{22}==$/

export function isWechatId(value: unknown): value is string {
  return typeof value === 'string' && WECHAT_ID_PATTERN.test(value)
}

export function isSessionKeyShape(value: unknown): value is string {
  return typeof value === 'string' && SESSION_KEY_PATTERN.test(value)
}
