/**
 * Where the WeChat server APIs live. The AppSecret and access_tokens travel in
 * query strings and bodies, so anything but https is refused unless it is on
 * this machine (the emulator, a test stand-in).
 */
import { isLoopbackHost } from './loopback.ts'

export const DEFAULT_WECHAT_API_BASE = 'https://api.weixin.qq.com'

/**
 * The URL of `path` under `apiBase`, whose own path is kept (a relay at
 * `https://gateway/weixin` serves `https://gateway/weixin/sns/jscode2session`);
 * a `TypeError` (starting with `caller`) for a base that is not allowed.
 */
export function wechatEndpoint(apiBase: string, path: string, caller: string): URL {
  let endpoint: URL
  try {
    endpoint = new URL(apiBase)
  } catch {
    throw new TypeError(`${caller}: apiBase must be an absolute http(s) URL`)
  }
  // `new URL('/sns/...', base)` would drop the base's path: an absolute path replaces it.
  endpoint.pathname = endpoint.pathname.replace(/\/+$/, '') + path
  endpoint.search = ''
  endpoint.hash = ''
  if (endpoint.protocol !== 'https:' && endpoint.protocol !== 'http:') {
    throw new TypeError(`${caller}: apiBase must be an absolute http(s) URL`)
  }
  if (endpoint.protocol === 'http:' && !isLoopbackHost(endpoint.hostname)) {
    throw new TypeError(`${caller}: apiBase must be https unless it is on this machine (loopback)`)
  }
  // fetch refuses such a URL on every call, with an error that quotes it whole, query (AppSecret,
  // access_token) included. Refused here, once, without quoting it: it holds a password.
  if (endpoint.username !== '' || endpoint.password !== '') {
    throw new TypeError(`${caller}: apiBase must not carry a user name or password; give a relay its credentials another way`)
  }
  return endpoint
}
