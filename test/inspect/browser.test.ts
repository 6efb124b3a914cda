/**
 * The relay's inspector page in a real browser: Debian's Chromium, headless,
 * driven by playwright-core (no browser of its own is downloaded). Two apps
 * log in for real (WeChat emulator, developer server, login client on a
 * simulated device): one through the mini-program inspector over
 * `wx.connectSocket`, one through `@statelyai/inspect`'s WebSocket inspector.
 * The page must follow both, show each transition, never show a token or a
 * code, and never reach beyond loopback.
 *
 * Every wait is on a condition in the page; none is a fixed delay.
 */
import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createWebSocketInspector } from '@statelyai/inspect'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createInspectionEventRedactor, createMiniprogramInspector } from '../../src/inspect/index.ts'
import { startInspectRelay, type InspectRelay } from '../../src/inspect/relay/index.ts'
import { APP_SECRET, launchInspectedApp, startLoginBackend, type LoginBackend } from './login-stack.ts'
import type { Highlight, PageElement, PageGlobals } from './page-globals.ts'
import { createWsConnectSocket } from './ws-connect-socket.ts'

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium'
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]
/** Set to refresh the picture in docs/inspect.md from this test's run. */
const SCREENSHOT_TO_DOCS = process.env['UPDATE_INSPECTOR_SCREENSHOT'] === '1'
const DOCS_SCREENSHOT = fileURLToPath(new URL('../../docs/images/inspector.png', import.meta.url))
const WAIT = { timeout: 20_000 }
/** A few seconds alone; the margin is for a CI machine shared with other work (two cores). */
const TEST_TIMEOUT_MS = 50_000

let browser: Browser | undefined
let cleanups: Array<() => unknown> = []

/** Debian's Chromium, or a failure (not a skip) that says how to get it. */
async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: install it with apt-get install chromium`)
  browser ??= await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
  return browser
}

afterAll(async () => {
  await browser?.close()
})
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup()
  cleanups = []
})

interface PageRecord {
  page: Page
  /** Every URL the page asked for: documents, scripts, styles, images, fetches, WebSockets. */
  urls: string[]
  /** Uncaught errors and console errors (a CSP violation is one). */
  problems: string[]
}

async function openPage(url: string): Promise<PageRecord> {
  const context = await (await launchChromium()).newContext({ viewport: { width: 1600, height: 1000 } })
  cleanups.push(() => context.close())
  const page = await context.newPage()
  const urls: string[] = []
  const problems: string[] = []
  page.on('request', (request) => urls.push(request.url()))
  page.on('websocket', (socket) => urls.push(socket.url()))
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`))
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`)
  })
  await page.goto(url)
  await page.waitForSelector('#relay-status[data-status="open"]', WAIT)
  return { page, urls, problems }
}

/** The page's id for the app with this label (the relay gives ids; the test gives labels). */
async function appId(page: Page, label: string): Promise<string> {
  const button = page.locator('#app-list button', { has: page.locator('.label', { hasText: label }) })
  await button.waitFor(WAIT)
  const id = await button.getAttribute('data-app')
  if (!id) throw new Error(`no app id for ${label}`)
  return id
}

async function waitForState(page: Page, app: string, state: string): Promise<void> {
  await page.waitForSelector(`section.chart[data-app="${app}"][data-drawn="true"][data-current="${state}"]`, { ...WAIT, state: 'attached' })
}

/** Records, from now on, each state the chart of `app` marks as current and which shapes it marks. */
async function recordHighlights(page: Page, app: string): Promise<void> {
  await page.evaluate((id) => {
    const page = globalThis as unknown as PageGlobals
    const section = page.document.querySelector(`section.chart[data-app="${id}"]`)
    if (!section) throw new Error(`no chart for ${id}`)
    const seen: Highlight[] = []
    const take = () =>
      seen.push({
        current: section.dataset['current'] ?? '',
        marked: [...section.querySelectorAll('g.current')].map((node) => node.dataset['state'] ?? '?'),
      })
    new page.MutationObserver(take).observe(section, { attributes: true, attributeFilter: ['data-current'] })
    page.highlights = seen
  }, app)
}

interface LogRow {
  event: string
  from: string
  to: string
}

async function logRows(page: Page): Promise<LogRow[]> {
  return page.$$eval('#log-rows tr[data-event]', (rows) =>
    rows.map((row) => ({ event: row.dataset['event'] ?? '', from: row.dataset['from'] ?? '', to: row.dataset['to'] ?? '' })),
  )
}

interface SentFrame {
  type: string
  sessionId: string
  event?: { type?: string }
  snapshot?: { value?: unknown }
}

/** What the log must show, from what the app sent: one row per snapshot of its login machine. */
function expectedRows(frames: SentFrame[]): LogRow[] {
  const root = frames.find((frame) => frame.type === '@xstate.actor')?.sessionId
  const leaf = (value: unknown): string =>
    typeof value === 'string'
      ? value
      : Object.entries(value as Record<string, unknown>)
          .map(([key, inner]) => `${key}.${leaf(inner)}`)
          .join(', ')
  let from = '—'
  return frames
    .filter((frame) => frame.type === '@xstate.snapshot' && frame.sessionId === root)
    .map((frame) => {
      const to = leaf(frame.snapshot?.value)
      const row = { event: frame.event?.type ?? '?', from, to }
      from = to
      return row
    })
}

/** All the page has: its markup with every attribute, and its text as shown. */
async function pageText(page: Page): Promise<string> {
  return page.evaluate(() => {
    const { document } = globalThis as unknown as PageGlobals
    const attributes = [...document.querySelectorAll('*')].flatMap((el) => [...el.attributes].map((a) => `${a.name}=${a.value}`))
    return [document.documentElement.outerHTML, document.body.innerText, ...attributes].join('\n')
  })
}

function isLoopback(url: string): boolean {
  const { hostname } = new URL(url)
  return hostname === '127.0.0.1' || hostname === 'localhost' || hostname === '[::1]'
}

describe('the inspector page in Chromium', () => {
  let backend: LoginBackend
  let relay: InspectRelay

  beforeAll(async () => {
    backend = await startLoginBackend()
    relay = await startInspectRelay({ port: 0 })
  })
  afterAll(async () => {
    await relay?.close()
    await backend?.close()
  })

  it(
    'follows two apps logging in, lists each transition, shows no secret and stays on loopback',
    async () => {
      await launchChromium()
      const { page, urls, problems } = await openPage(relay.pageUrl)

      // App 1: a mini-program, its inspector on wx.connectSocket.
      const sockets = createWsConnectSocket()
      cleanups.push(() => sockets.closeAll())
      const miniInspector = createMiniprogramInspector({ url: `${relay.socketUrl}?app=miniprogram`, connectSocket: sockets.connectSocket })
      cleanups.push(() => miniInspector.stop())
      const mini = launchInspectedApp(backend, miniInspector.inspect)
      cleanups.push(() => mini.auth.stop())

      // The chart is drawn from the machine's own definition, waiting in idle.
      const miniId = await appId(page, 'miniprogram')
      await waitForState(page, miniId, 'idle')
      const drawnStates = await page.$$eval(`section.chart[data-app="${miniId}"] g[data-state]`, (nodes) =>
        nodes.map((node) => (node as unknown as PageElement).dataset['state']),
      )
      expect(new Set(drawnStates)).toEqual(
        new Set([
          'idle',
          'checkingStorage',
          'checkingWx',
          'checkingServer',
          'checkingServer.running',
          'checkingServer.retrying',
          'wxLogin',
          'wxLogin.running',
          'wxLogin.retrying',
          'serverLogin',
          'serverLogin.running',
          'serverLogin.retrying',
          'authenticated',
          'failed',
        ]),
      )

      await recordHighlights(page, miniId)
      const miniSession = await mini.auth.ensureLogin()
      await waitForState(page, miniId, 'authenticated')

      // The highlight moved through the flow, marking the composite state around a nested one.
      const highlights = await page.evaluate(() => (globalThis as unknown as PageGlobals).highlights ?? [])
      const path = highlights.map((h) => h.current)
      const flow = ['checkingStorage', 'wxLogin.running', 'serverLogin.running', 'authenticated']
      const positions = flow.map((state) => path.indexOf(state))
      expect(
        positions.every((p) => p >= 0),
        `highlighted: ${path.join(' → ')}`,
      ).toBe(true)
      expect([...positions].sort((a, b) => a - b)).toEqual(positions)
      expect(highlights.find((h) => h.current === 'wxLogin.running')?.marked.sort()).toEqual(['wxLogin', 'wxLogin.running'])
      expect(highlights.at(-1)?.marked).toEqual(['authenticated'])

      // One log row per transition the app reported, in order.
      const miniRows = expectedRows(sockets.sent.map((text) => JSON.parse(text) as SentFrame))
      expect(miniRows.map((row) => row.to)).toEqual(expect.arrayContaining(flow))
      await page.waitForFunction(
        (count) => (globalThis as unknown as PageGlobals).document.querySelectorAll('#log-rows tr[data-event]').length >= count,
        miniRows.length,
        WAIT,
      )
      expect(await logRows(page)).toEqual(miniRows)
      expect(await logRows(page)).toContainEqual({ event: 'START', from: 'idle', to: 'checkingStorage' })

      // App 2: Node, through @statelyai/inspect's own WebSocket inspector.
      // What it sends, recorded on the way: its socket adapter serializes events held before the socket
      // opened a second time, so only first passes are events.
      const redactor = createInspectionEventRedactor()
      const nodeSent: SentFrame[] = []
      const serialized = new WeakSet<object>()
      const nodeInspector = createWebSocketInspector({
        url: `${relay.socketUrl}?app=node`,
        serialize: (event) => {
          const redacted = redactor(event)
          if (!serialized.has(event)) nodeSent.push(JSON.parse(JSON.stringify(redacted)) as SentFrame)
          serialized.add(redacted)
          return redacted
        },
      })
      cleanups.push(() => nodeInspector.stop())
      const node = launchInspectedApp(backend, nodeInspector.inspect)
      cleanups.push(() => node.auth.stop())
      const nodeSession = await node.auth.ensureLogin()
      const nodeId = await appId(page, 'node')
      expect(nodeId).not.toBe(miniId)

      // Each app is selectable and shows its own chart and log.
      await page.click(`#app-list button[data-app="${nodeId}"]`)
      await waitForState(page, nodeId, 'authenticated')
      expect(await page.isVisible(`section.chart[data-app="${nodeId}"]`)).toBe(true)
      expect(await page.isHidden(`section.chart[data-app="${miniId}"]`)).toBe(true)
      const nodeRows = expectedRows(nodeSent)
      expect(nodeRows).toContainEqual({ event: 'START', from: 'idle', to: 'checkingStorage' })
      expect(nodeRows.map((row) => row.to)).toEqual(expect.arrayContaining(flow))
      await page.waitForFunction(
        (count) => (globalThis as unknown as PageGlobals).document.querySelectorAll('#log-rows tr[data-event]').length >= count,
        nodeRows.length,
        WAIT,
      )

      // Open every payload of each app (they are only put in the page on demand), then search the whole page.
      const seen: string[] = []
      for (const [id, rows] of [
        [nodeId, nodeRows],
        [miniId, miniRows],
      ] as const) {
        await page.click(`#app-list button[data-app="${id}"]`)
        expect(await page.isVisible(`section.chart[data-app="${id}"]`)).toBe(true)
        expect(await logRows(page)).toEqual(rows)
        for (const button of await page.$$('#log-rows .payload-toggle')) await button.click()
        const payloads = await page.$$eval('#log-rows tr.payload pre', (blocks) => blocks.map((block) => block.textContent ?? ''))
        expect(payloads).toHaveLength(rows.length)
        expect(payloads.join('\n')).toContain('[redacted]')
        seen.push(await pageText(page))
      }
      const secrets = [miniSession.token, nodeSession.token, ...mini.codes, ...node.codes, APP_SECRET]
      expect(mini.codes.length).toBeGreaterThan(0)
      expect(node.codes.length).toBeGreaterThan(0)
      const everything = seen.join('\n')
      expect(everything).toContain('authenticated')
      for (const secret of secrets) {
        expect(secret.length).toBeGreaterThan(10)
        expect(everything.includes(secret), 'a token, code or the AppSecret is in the page').toBe(false)
      }

      // For the picture: the mini-program's log with only the server login's payload open.
      const toggles = await page.$$('#log-rows .payload-toggle')
      for (const toggle of toggles.slice(0, -1)) await toggle.click()
      const picture = await page.screenshot()
      expect(picture.subarray(1, 4).toString('latin1')).toBe('PNG')
      await writeFile(join(tmpdir(), 'inspector.png'), picture)
      if (SCREENSHOT_TO_DOCS) {
        await mkdir(join(DOCS_SCREENSHOT, '..'), { recursive: true })
        await writeFile(DOCS_SCREENSHOT, picture)
      }

      // A page opened late gets the recent events: both apps, their states and their logs.
      const late = await openPage(relay.pageUrl)
      await waitForState(late.page, await appId(late.page, 'miniprogram'), 'authenticated')
      expect(await logRows(late.page)).toEqual(miniRows)
      await late.page.click(`#app-list button[data-app="${await appId(late.page, 'node')}"]`)
      await waitForState(late.page, await appId(late.page, 'node'), 'authenticated')

      // Everything came from the relay, on loopback; nothing failed in either page.
      for (const record of [{ urls, problems }, late]) {
        expect(record.urls.some((url) => url.endsWith('/assets/mermaid.min.js'))).toBe(true)
        expect(record.urls.some((url) => url.endsWith('/viewer'))).toBe(true)
        expect(record.urls.filter((url) => !isLoopback(url))).toEqual([])
        expect(record.problems).toEqual([])
      }
    },
    TEST_TIMEOUT_MS,
  )
})
