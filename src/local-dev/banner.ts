/** What `npm start` prints: a first line saying which WeChat it talks to, then how to use the server. */
import type { DevServerConfig } from './config.ts'
import { SIM_LOGIN_PATH } from '../emulator/index.ts'
import { DEFAULT_WECHAT_API_BASE } from '../server/index.ts'
import type { DevServer } from './start-dev-server.ts'

/** The first line of the output, printed before anything starts. Never contains the secret. */
export function startupNotice(config: DevServerConfig): string {
  if (config.wechat.kind === 'emulator') {
    return (
      '[dev-server] WX_APPID and WX_SECRET are not set: starting the LOCAL WECHAT EMULATOR instead of real WeChat ' +
      '(codes from a real wx.login will be refused; set both to log in from WeChat DevTools or a phone)'
    )
  }
  const target = config.wechat.apiBase ?? DEFAULT_WECHAT_API_BASE
  return `[dev-server] Using WeChat at ${target} for AppID ${config.wechat.appId} (WX_APPID/WX_SECRET are set)`
}

/** What the server says about session_keys at rest; never a key. */
function encryptionLines(server: DevServer): string[] {
  const { encryption } = server
  if (encryption.kind === 'plaintext') {
    return ['[dev-server] SESSION_ENCRYPTION_KEYS=none: session_keys are stored in PLAINTEXT (a leaked database holds usable keys)']
  }
  if (!encryption.generated) return [`[dev-server] session_keys are sealed at rest (AES-256-GCM) with key ${encryption.keyId}`]
  return [
    `[dev-server] SESSION_ENCRYPTION_KEYS is not set: session_keys are sealed with a DEVELOPMENT key generated for this run (${encryption.keyId}).`,
    '  Sessions stored by an earlier run cannot be read (their users log in again, silently). In production set',
    "  SESSION_ENCRYPTION_KEYS=<id>:<32 random bytes, base64>, e.g. node -e \"console.log('k1:' + require('crypto').randomBytes(32).toString('base64'))\"",
  ]
}

/** The lines printed once the server listens. */
export function describeDevServer(server: DevServer): string[] {
  const { urls } = server
  const lines: string[] = []

  if (server.wechat.kind === 'emulator') {
    lines.push(
      `[dev-server] WeChat emulator (code2Session, access_token, phone numbers, session_key checks) at ${server.wechat.url}, AppID ${server.wechat.appId}`,
    )
  } else {
    lines.push(`[dev-server] code2Session goes to ${server.wechat.apiBase}`)
  }
  const { store } = server
  lines.push(
    store.kind === 'sqlite'
      ? `[dev-server] Sessions are kept in SQLite at ${store.path}`
      : store.kind === 'redis'
        ? `[dev-server] Sessions are kept in Redis at ${store.url} (key prefix ${JSON.stringify(store.keyPrefix)})`
        : `[dev-server] Sessions are kept in the Redis Cluster at ${store.nodes} (key prefix ${JSON.stringify(store.keyPrefix)})`,
  )
  lines.push(...encryptionLines(server))

  lines.push(`[dev-server] Listening on ${server.host}:${server.port}`)
  lines.push(`  This computer (WeChat DevTools, Node): ${urls.local}`)
  for (const url of urls.lan) lines.push(`  A phone on the same network:           ${url}`)
  if (urls.allInterfaces) {
    lines.push('  Every interface is open, so other devices on your network can reach it; HOST=127.0.0.1 keeps it on this computer.')
  } else if (urls.loopbackOnly) {
    lines.push('  Only this computer can reach it (HOST is a loopback address); HOST=0.0.0.0 opens it to a phone on your network.')
  }

  const baseUrl = urls.lan[0] ?? urls.local
  lines.push(
    '',
    'Point the mini-program at it (app.js):',
    `  const auth = createLoginClient({ platform: wechatPlatform(wx), server: { baseUrl: '${baseUrl}' } })`,
    '  WeChat DevTools refuses http:// and IP addresses unless you tick Details > Local Settings >',
    '  "Do not verify valid domain names, web-view (business domain names), TLS versions and HTTPS certificates" (不校验合法域名).',
    '  On a phone (preview or remote debugging), turn on debug mode so the same check is skipped.',
  )

  if (server.wechat.kind === 'emulator') {
    lines.push(
      '',
      'The emulator only accepts its own codes. To try a login without WeChat:',
      `  Node:  wechatPlatform(createSimulatedWx({ emulatorUrl: '${server.wechat.url}' }))`,
      `  curl:  curl -s -X POST ${server.wechat.url}${SIM_LOGIN_PATH} -H 'content-type: application/json' -d '{"openid":"o-dev-user"}'`,
      `         then POST {"code":"..."} to ${urls.local}/auth/login`,
    )
  }
  lines.push('', 'Press Ctrl-C to stop.')
  return lines
}
