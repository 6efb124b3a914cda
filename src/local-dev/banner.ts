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

/** The lines printed once the server listens. */
export function describeDevServer(server: DevServer): string[] {
  const { urls } = server
  const lines: string[] = []

  if (server.wechat.kind === 'emulator') {
    lines.push(`[dev-server] WeChat emulator (code2Session) at ${server.wechat.url}, AppID ${server.wechat.appId}`)
  } else {
    lines.push(`[dev-server] code2Session goes to ${server.wechat.apiBase}`)
  }
  lines.push(
    server.store.kind === 'sqlite'
      ? `[dev-server] Sessions are kept in SQLite at ${server.store.path}`
      : `[dev-server] Sessions are kept in Redis at ${server.store.url} (key prefix ${JSON.stringify(server.store.keyPrefix)})`,
  )

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
