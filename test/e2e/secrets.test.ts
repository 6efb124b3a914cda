/**
 * Secrets end to end: through logins, checks, replays, failures and a
 * logout, the AppSecret, the session_keys, the tokens and the codes appear in
 * no server log line (at trace level), no emulator log line and no error the
 * app receives.
 */
import { afterEach, expect, it } from 'vitest'
import { type LoginError } from '../../src/index.ts'
import { APP_SECRET, ME_PATH, startApiServer, startEmulator } from './support/backend.ts'
import { runCleanups } from './support/cleanup.ts'
import { launchApp, newDevice, tokenOf } from './support/mini-program.ts'

afterEach(runCleanups)

it('no secret reaches a log line or an error', async () => {
  const logLines: string[] = []
  const emulator = await startEmulator({ log: (line) => logLines.push(line) })
  const server = await startApiServer(emulator, {
    logger: { level: 'trace', stream: { write: (line: string) => void logLines.push(line) } },
  })
  const where = { emulatorUrl: emulator.url, baseUrl: server.baseUrl }
  const secrets = new Set<string>([APP_SECRET])
  const errors: LoginError[] = []
  const onCode = (code: string): void => void secrets.add(code)
  const noteSessionKey = (openid: string): void => {
    const key = emulator.sessionKeyOf(openid)
    if (key !== undefined) secrets.add(key)
  }

  // A login, a request, a 401 replay (with a second login), a relaunch and a logout.
  const device = newDevice()
  const app = launchApp(where, device, { onCode })
  secrets.add(tokenOf(await app.settled()))
  noteSessionKey(device.openid)
  await app.auth.request({ url: ME_PATH })
  await server.app.loginSessions.revokeAll(device.openid)
  await app.auth.request({ url: ME_PATH })
  secrets.add(tokenOf(app.auth.getSnapshot()))
  noteSessionKey(device.openid)
  app.auth.stop()
  const relaunched = launchApp(where, device, { onCode })
  await relaunched.settled()
  await relaunched.auth.logout()

  // Failures: a used code (then success), a high-risk user, WeChat busy past every retry.
  emulator.failNext(1, 40163)
  const usedCode = launchApp(where, newDevice(), { onCode })
  secrets.add(tokenOf(await usedCode.settled()))
  noteSessionKey(usedCode.wx.sim.openid)

  const risky = newDevice()
  emulator.setHighRisk(risky.openid, true)
  const refused = launchApp(where, risky, { onCode })
  const refusedError = (await refused.settled()).context.error
  if (refusedError) errors.push(refusedError)

  emulator.failNext(20, -1)
  const busy = launchApp(where, newDevice(), { onCode })
  const busyError = (await busy.settled()).context.error
  if (busyError) errors.push(busyError)
  emulator.clearFaults()

  expect(errors.map((error) => error.code)).toEqual(['high_risk_user', 'server_error'])
  // Two codes per used-code login, one per other launch that reached wx.login.
  expect(secrets.size).toBeGreaterThan(8)
  expect(logLines.length).toBeGreaterThan(20)
  const errorTexts = errors.map((error) => `${error.message} ${JSON.stringify(error)} ${String(error.cause)}`)
  for (const secret of secrets) {
    expect(logLines.filter((line) => line.includes(secret))).toEqual([])
    expect(errorTexts.filter((text) => text.includes(secret))).toEqual([])
  }
})
