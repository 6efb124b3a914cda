/**
 * `npm start`: the developer server, with a local WeChat emulator when
 * WX_APPID / WX_SECRET are not set. Ctrl-C stops it cleanly.
 * Variables: see docs/end-to-end.md (PORT, HOST, WX_APPID, WX_SECRET,
 * WX_API_BASE, WX_EMULATOR_PORT, SQLITE_PATH, REDIS_URL, REDIS_CLUSTER_NODES,
 * REDIS_KEY_PREFIX, SESSION_ENCRYPTION_KEYS, SESSION_TTL_MS, LOG_LEVEL).
 */
import { describeDevServer, readDevServerConfig, startDevServer, startupNotice, stopOnSignals } from '../src/local-dev/index.ts'

async function main(): Promise<void> {
  const config = readDevServerConfig(process.env)
  console.log(startupNotice(config))
  const server = await startDevServer(config, { log: (line) => console.log(line) })
  console.log(describeDevServer(server).join('\n'))
  stopOnSignals(server)
}

main().catch((error: unknown) => {
  const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : ''
  console.error(`[dev-server] could not start: ${error instanceof Error ? error.message : String(error)}${cause}`)
  process.exitCode = 1
})
