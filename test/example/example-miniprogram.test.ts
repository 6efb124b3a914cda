/**
 * examples/miniprogram, run as WeChat would run it after "build npm": its
 * `App()` and pages in a mini-program sandbox, the built package as
 * `miniprogram-login`, a simulated wx, the real developer server and WeChat
 * emulator on loopback.
 */
import { readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { LoginClient } from '../../src/index.ts'
import { builtPackage, type BuiltPackage } from '../bundle/built-package.ts'
import { APP_SECRET, startLoginStack, type LoginStack } from '../bundle/login-stack.ts'
import { compileExample, createMiniprogramFramework, type CompiledExample, type MiniprogramFramework } from './miniprogram-framework.ts'
import { wxmlBindings } from './wxml-bindings.ts'

const EXAMPLE_DIR = fileURLToPath(new URL('../../examples/miniprogram/', import.meta.url))

let pkg: BuiltPackage
let stack: LoginStack
let example: CompiledExample
const open: MiniprogramFramework[] = []

beforeAll(async () => {
  ;[pkg, stack, example] = await Promise.all([builtPackage(), startLoginStack(), compileExample(EXAMPLE_DIR)])
})

afterEach(() => {
  for (const framework of open.splice(0)) {
    ;(framework.app['auth'] as LoginClient | undefined)?.stop()
    framework.close()
  }
})

afterAll(async () => {
  await stack?.close()
})

async function launch(
  device = stack.device(),
  user: { phoneNumber?: string; privacyAgreed?: boolean } = { phoneNumber: '+86 13800138000' },
) {
  const framework = createMiniprogramFramework({
    example,
    pkg,
    device,
    replace: { 'config.js': { API_BASE_URL: stack.baseUrl } },
    user: { ...user, issuePhoneCode: (openid, phoneNumber) => stack.emulator.issuePhoneCode(openid, phoneNumber) },
  })
  open.push(framework)
  await framework.launch()
  return { framework, device }
}

function storedToken(device: ReturnType<LoginStack['device']>): string {
  const stored = device.sim.storage.get('miniprogram-login:session') as { token?: unknown } | undefined
  if (typeof stored?.token !== 'string') throw new Error('no session is stored')
  return stored.token
}

async function serverSessionStatus(token: string): Promise<number> {
  const response = await fetch(`${stack.baseUrl}/auth/session`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })
  return response.status
}

const POLL = { timeout: 10_000 }

describe('examples/miniprogram', () => {
  it('launches, and the home page shows the logged-in state and the API answer', async () => {
    const { framework, device } = await launch()
    const home = framework.currentPage()

    expect(home.route).toBe('pages/index/index')
    await expect.poll(() => home.data['apiStatus'], POLL).toBe('done')
    expect(home.data).toMatchObject({
      loginState: 'authenticated',
      loggedIn: true,
      busy: false,
      loginError: '',
      openid: device.sim.openid,
      apiError: '',
    })
    expect(home.data['expiresAt']).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d$/)
    expect(device.sim.calls.login).toBe(1)
    expect(stack.meCalls).toBeGreaterThan(0)
    expect(framework.warnings).toEqual([])
    expect(framework.sandbox.unknownGlobals).toEqual([])
  })

  it('the logout page logs out, here and on the server, and the home page logs in again', async () => {
    const { framework, device } = await launch()
    const home = framework.currentPage()
    await expect.poll(() => home.data['apiStatus'], POLL).toBe('done')
    const token = storedToken(device)

    framework.tap(home, 'onLogoutTap')
    await expect.poll(() => framework.currentPage().route, POLL).toBe('pages/logout/logout')
    const logout = framework.currentPage()
    expect(logout.data).toMatchObject({ loggedIn: true, loggedOut: false, loginState: 'authenticated' })

    await framework.tap(logout, 'onLogoutTap')
    expect(logout.data).toMatchObject({ loggedOut: true, loggingOut: false, loggedIn: false, loginState: 'idle', logoutError: '' })
    expect(device.sim.storage.has('miniprogram-login:session')).toBe(false)
    expect(await serverSessionStatus(token)).toBe(401)

    framework.tap(logout, 'onLoginAgainTap')
    await expect.poll(() => framework.pages.map((page) => page.route), POLL).toEqual(['pages/index/index'])
    const again = framework.currentPage()
    await expect.poll(() => again.data['apiStatus'], POLL).toBe('done')
    expect(again.data).toMatchObject({ loggedIn: true, openid: device.sim.openid })
    expect(storedToken(device)).not.toBe(token)
    expect(device.sim.calls.login).toBe(2)

    const logs = framework.sandbox.consoleEntries.map((entry) => entry.text).join('\n')
    for (const secret of [token, storedToken(device), APP_SECRET, stack.emulator.sessionKeyOf(device.sim.openid) ?? 'none']) {
      expect(logs.includes(secret)).toBe(false)
    }
    expect(framework.warnings).toEqual([])
    expect(framework.sandbox.unknownGlobals).toEqual([])
  })

  it('shows why the API call failed when the login is refused', async () => {
    const device = stack.device()
    stack.emulator.setHighRisk(device.sim.openid, true)
    const { framework } = await launch(device)
    const home = framework.currentPage()

    await expect.poll(() => home.data['apiStatus'], POLL).toBe('error')
    expect(home.data).toMatchObject({ loggedIn: false, loginState: 'failed', openid: '' })
    expect(home.data['apiError']).toMatch(/\(high_risk_user\)$/)
    expect(home.data['loginError']).toBe(home.data['apiError'])
    expect(framework.sandbox.unknownGlobals).toEqual([])
  })

  it("binds the phone number from the page's button, through WeChat's privacy agreement", async () => {
    const { framework, device } = await launch()
    const home = framework.currentPage()
    await expect.poll(() => home.data['apiStatus'], POLL).toBe('done')
    const before = stack.emulator.phoneNumberStats().exchanged

    const tapped = framework.tapOpenType(home, 'getPhoneNumber')
    // WeChat holds the button and asks the page for the privacy agreement.
    await expect.poll(() => home.data['showPrivacy'], POLL).toBe(true)
    expect(framework.privacyPending()).toBe(true)
    await framework.tapOpenType(home, 'agreePrivacyAuthorization', 'agree-btn')
    await tapped
    expect(home.data).toMatchObject({ phoneStatus: 'bound', phoneNumber: '138****8000', phoneError: '', showPrivacy: false })
    expect(framework.privacyPending()).toBe(false)
    expect(stack.emulator.phoneNumberStats().exchanged).toBe(before + 1)
    const user = await stack.app.sessionStore.users.get(device.sim.openid)
    expect(user?.phone).toEqual({ phoneNumber: '13800138000', purePhoneNumber: '13800138000', countryCode: '86' })

    // Agreed once: the next tap goes straight through.
    await framework.tapOpenType(home, 'getPhoneNumber')
    expect(home.data['phoneStatus']).toBe('bound')
    expect(stack.emulator.phoneNumberStats().exchanged).toBe(before + 2)
    const logs = framework.sandbox.consoleEntries.map((entry) => entry.text).join('\n')
    expect(logs).not.toContain('13800138000')
    expect(framework.warnings).toEqual([])
  })

  it('says why there is no number: privacy declined, the user declined, the quota used up; none reaches the server', async () => {
    const { framework } = await launch(stack.device(), {})
    const home = framework.currentPage()
    await expect.poll(() => home.data['apiStatus'], POLL).toBe('done')
    const calls = stack.emulator.stats().apis.getPhoneNumber.calls

    const declinedPrivacy = framework.tapOpenType(home, 'getPhoneNumber')
    await expect.poll(() => home.data['showPrivacy'], POLL).toBe(true)
    framework.tap(home, 'onDisagreePrivacy')
    await declinedPrivacy
    expect(home.data).toMatchObject({ phoneStatus: 'error', showPrivacy: false })
    expect(home.data['phoneError']).toMatch(/\(phone_denied\)$/)

    // Now agreed, but the user does not share the number.
    const agreed = framework.tapOpenType(home, 'getPhoneNumber')
    await expect.poll(() => home.data['showPrivacy'], POLL).toBe(true)
    await framework.tapOpenType(home, 'agreePrivacyAuthorization', 'agree-btn')
    await agreed
    expect(home.data['phoneError']).toMatch(/\(phone_denied\)$/)

    const quota = stack.emulator.phoneNumberStats().quotaRemaining
    stack.emulator.setPhoneQuota(0)
    try {
      const { framework: other } = await launch(stack.device(), { phoneNumber: '13900139000', privacyAgreed: true })
      const page = other.currentPage()
      await expect.poll(() => page.data['apiStatus'], POLL).toBe('done')
      await other.tapOpenType(page, 'getPhoneNumber')
      expect(page.data['phoneError']).toMatch(/\(phone_quota_exhausted\)$/)
    } finally {
      stack.emulator.setPhoneQuota(quota)
    }
    expect(stack.emulator.stats().apis.getPhoneNumber.calls).toBe(calls)
  })

  it('every WXML binding names page data or a page method', async () => {
    const { framework } = await launch()
    framework.tap(framework.currentPage(), 'onLogoutTap')
    await expect.poll(() => framework.pageOptions.size, POLL).toBe(example.appJson.pages.length)

    for (const route of example.appJson.pages) {
      const wxml = example.wxml.get(route)
      const options = framework.pageOptions.get(route)
      expect(wxml, route).toBeDefined()
      expect(options, route).toBeDefined()
      const { dataNames, handlers } = wxmlBindings(wxml ?? '')
      expect(dataNames.length, route).toBeGreaterThan(0)
      expect(handlers.length, route).toBeGreaterThan(0)
      for (const name of dataNames) expect(Object.keys(options?.data ?? {}), `${route} uses {{${name}}}`).toContain(name)
      for (const handler of handlers) expect(typeof options?.[handler], `${route} binds ${handler}`).toBe('function')
    }
  })

  it('is a complete DevTools project: project.config.json, app.json pages, sitemap', async () => {
    const json = async (file: string) => JSON.parse(await readFile(path.join(EXAMPLE_DIR, file), 'utf8')) as Record<string, unknown>
    const project = await json('project.config.json')
    expect(project).toMatchObject({ appid: 'touristappid', compileType: 'miniprogram', miniprogramRoot: './' })
    expect(project['setting']).toMatchObject({
      urlCheck: false,
      packNpmManually: true,
      packNpmRelationList: [{ packageJsonPath: './package.json', miniprogramNpmDistDir: './' }],
    })
    expect((await json('package.json'))['dependencies']).toEqual({ 'miniprogram-login': 'file:../..' })
    expect((await json('sitemap.json'))['rules']).toEqual([{ action: 'allow', page: '*' }])
    expect(example.appJson['sitemapLocation']).toBe('sitemap.json')
    for (const route of example.appJson.pages) {
      for (const extension of ['ts', 'wxml', 'wxss', 'json']) {
        expect((await stat(path.join(EXAMPLE_DIR, `${route}.${extension}`))).isFile(), `${route}.${extension}`).toBe(true)
      }
    }
  })
})
