/**
 * Many simulated users against real servers, a bounded number at a time.
 * Each user is a phone of its own (simulated wx + real client): it logs in,
 * calls the app's authenticated `GET /me` on the server it logged in with
 * and on the "check" server (another instance, when there are two), and
 * must get its own openid back every time. Then every user relaunches over
 * its stored session against the check server: the session must still be
 * there (same token, no new `wx.login`). Heap is sampled after a full GC at
 * the start and the end of the steady phase.
 */
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import type { WechatEmulator } from '../../src/emulator/index.ts'
import { isLoginError } from '../../src/contract/index.ts'
import type { Session } from '../../src/client/http-session-server/types.ts'
import { createDevice } from '../reliability/support/e2e-stack.ts'

export interface LoadTargets {
  /** Where user `index` logs in. */
  loginServer(index: number): string
  /** Where user `index`'s session is checked (another instance sharing the store, or the same one). */
  checkServer(index: number): string
}

export interface LoadOptions {
  label: string
  emulator: WechatEmulator
  targets: LoadTargets
  users: number
  concurrency: number
  /** Users run before the steady phase starts (warms up JIT, pools and caches). */
  warmupUsers: number
}

export interface LoadReport {
  users: number
  loggedIn: number
  /** Sessions still valid at relaunch, without a new wx.login. */
  kept: number
  /** A request answered another user's openid. */
  crossWired: number
  /** A session missing at relaunch (a new wx.login was needed, or another token came back). */
  lost: number
  /** Up to 20 failure descriptions. */
  failures: string[]
  failureCount: number
  heapStartBytes: number
  heapEndBytes: number
  durationMs: number
}

type Gc = () => void

let gcFunction: Gc | undefined

/** `global.gc` when Node runs with --expose-gc; otherwise the same function, exposed on the fly. */
export function fullGc(): Gc {
  if (gcFunction) return gcFunction
  const exposed = (globalThis as { gc?: Gc }).gc
  if (typeof exposed === 'function') {
    gcFunction = exposed
  } else {
    setFlagsFromString('--expose-gc')
    gcFunction = runInNewContext('gc') as Gc
  }
  return gcFunction
}

export async function heapAfterGc(): Promise<number> {
  const gc = fullGc()
  for (let i = 0; i < 3; i++) {
    gc()
    await new Promise((resolve) => setImmediate(resolve))
  }
  return process.memoryUsage().heapUsed
}

/** Runs `work(index)` for every index in [from, to), at most `concurrency` at once. */
async function pool(from: number, to: number, concurrency: number, work: (index: number) => Promise<void>): Promise<void> {
  let next = from
  const workers = Array.from({ length: Math.min(concurrency, Math.max(0, to - from)) }, async () => {
    while (next < to) {
      const index = next
      next += 1
      await work(index)
    }
  })
  await Promise.all(workers)
}

function openidOf(label: string, index: number): string {
  return `oLoad-${label}-${index.toString().padStart(6, '0')}`
}

function describeError(error: unknown): string {
  if (isLoginError(error)) return `${error.code}: ${error.message}`
  return error instanceof Error ? error.message : String(error)
}

export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  const { emulator, targets, users, concurrency, label } = options
  const storages: Array<Map<string, unknown> | undefined> = new Array(users)
  const tokens: Array<string | undefined> = new Array(users)
  const report: LoadReport = {
    users,
    loggedIn: 0,
    kept: 0,
    crossWired: 0,
    lost: 0,
    failures: [],
    failureCount: 0,
    heapStartBytes: 0,
    heapEndBytes: 0,
    durationMs: 0,
  }
  const fail = (what: string): void => {
    report.failureCount += 1
    if (report.failures.length < 20) report.failures.push(what)
  }
  // Timeouts are safety nets only: under load on shared cores a healthy answer can take seconds.
  const clientOptions = {
    callTimeoutMs: 60_000,
    client: {
      timeouts: { readSession: 5_000, checkWxSession: 60_000, checkServerSession: 60_000, wxLogin: 60_000, serverLogin: 60_000 },
      retry: { attempts: 3, baseDelayMs: 200, maxDelayMs: 2_000 },
    },
  }

  async function logIn(index: number): Promise<void> {
    const openid = openidOf(label, index)
    const storage = new Map<string, unknown>()
    const checkServer = targets.checkServer(index)
    // The other instance is the same developer server behind another address: trusted with the token.
    const client = { ...clientOptions.client, trustedOrigins: [checkServer] }
    const phone = createDevice(emulator, targets.loginServer(index), { openid, storage, ...clientOptions, client })
    try {
      const session: Session = await phone.client.ensureLogin()
      const urls = checkServer === targets.loginServer(index) ? ['/me'] : ['/me', `${checkServer}/me`]
      for (const url of urls) {
        const me = await phone.client.request({ url })
        const answered = (me.data as { openid?: unknown } | null)?.openid
        if (me.statusCode !== 200) fail(`user ${index}: ${url} answered ${me.statusCode}`)
        else if (answered !== openid) {
          report.crossWired += 1
          fail(`user ${index}: ${url} answered openid ${String(answered)}`)
        }
      }
      tokens[index] = session.token
      storages[index] = storage
      report.loggedIn += 1
    } catch (error) {
      fail(`user ${index}: login failed (${describeError(error)})`)
    } finally {
      phone.client.stop()
    }
  }

  async function relaunch(index: number): Promise<void> {
    const storage = storages[index]
    if (storage === undefined) return
    const phone = createDevice(emulator, targets.checkServer(index), { openid: openidOf(label, index), storage, ...clientOptions })
    try {
      const session = await phone.client.ensureLogin()
      if (session.token !== tokens[index] || phone.wx.sim.calls.login !== 0) {
        report.lost += 1
        fail(
          `user ${index}: the session was not kept (new token: ${session.token !== tokens[index]}, wx.login calls: ${phone.wx.sim.calls.login})`,
        )
        return
      }
      const me = await phone.client.request({ url: '/me' })
      if ((me.data as { openid?: unknown } | null)?.openid !== openidOf(label, index)) {
        report.crossWired += 1
        fail(`user ${index}: /me after relaunch answered ${JSON.stringify(me.data)}`)
        return
      }
      report.kept += 1
    } catch (error) {
      fail(`user ${index}: relaunch failed (${describeError(error)})`)
    } finally {
      phone.client.stop()
    }
  }

  const started = Date.now()
  const warmup = Math.min(options.warmupUsers, users)
  await pool(0, warmup, concurrency, logIn)
  report.heapStartBytes = await heapAfterGc()
  await pool(warmup, users, concurrency, logIn)
  report.heapEndBytes = await heapAfterGc()
  await pool(0, users, concurrency, relaunch)
  report.durationMs = Date.now() - started
  return report
}

export function summary(report: LoadReport): string {
  const mb = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1)
  return (
    `${report.users} users: ${report.loggedIn} logged in, ${report.kept} kept their session, ` +
    `${report.crossWired} cross-wired, ${report.lost} lost, ${report.failureCount} failures; ` +
    `heap ${mb(report.heapStartBytes)} MB -> ${mb(report.heapEndBytes)} MB over the steady phase; ${(report.durationMs / 1000).toFixed(1)} s`
  )
}
