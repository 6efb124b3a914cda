/**
 * Enough of WeChat's mini-program framework to run examples/miniprogram in
 * Node, as DevTools would after "build npm":
 *
 * - each `.ts` file compiled on its own to a CommonJS `.js` file (DevTools'
 *   TypeScript compile), run in the mini-program sandbox of test/bundle with
 *   a `require` that resolves relative files and `miniprogram-login` (the
 *   built `miniprogram_dist/index.js`, as `miniprogram_npm/` would hold it);
 * - `App()`, `getApp()`, `Page()` with WeChat's page life cycle (`onLoad`
 *   with the query, `onShow`, `onReady`, `onHide`, `onUnload`), `setData`
 *   (data crosses to the view as JSON; `undefined` is refused as WeChat
 *   refuses it), and the page stack of `wx.navigateTo` and `wx.reLaunch`;
 * - `wx` is the simulated wx of src/emulator plus those two navigation APIs
 *   and `wx.onNeedPrivacyAuthorization`;
 * - the open-type buttons a phone-number binding needs (`tapOpenType`):
 *   `getPhoneNumber`, held for WeChat's privacy agreement until the page
 *   resolves it after the user tapped its `agreePrivacyAuthorization` button
 *   (WeChat checks that button was tapped), then answering `e.detail` as
 *   WeChat does: `{ code, errMsg: 'getPhoneNumber:ok' }` with a code from the
 *   WeChat emulator, or a failure without a code.
 *
 * Rendering is not simulated: a page's `data` is what its WXML would show,
 * and a button is found in the page's WXML by its open-type (and id).
 */
import { readFile, readdir } from 'node:fs/promises'
import path from 'node:path'
import { transform } from 'esbuild'
import { PhoneQuotaExhaustedError } from '../../src/emulator/index.ts'
import type { SimulatedWx } from '../../src/emulator/index.ts'
import type { BuiltPackage, Library } from '../bundle/built-package.ts'
import { createMiniprogramSandbox, unknownModule, type MiniprogramSandbox } from '../bundle/miniprogram-sandbox.ts'
import { wxmlButtons } from './wxml-bindings.ts'

export interface CompiledExample {
  root: string
  /** `app.js`, `pages/index/index.js`… → compiled code. */
  modules: Map<string, string>
  /** `pages/index/index` → its WXML. */
  wxml: Map<string, string>
  appJson: { pages: string[] } & Record<string, unknown>
}

async function filesUnder(root: string, dir = ''): Promise<string[]> {
  const found: string[] = []
  for (const entry of await readdir(path.join(root, dir), { withFileTypes: true })) {
    const relative = dir === '' ? entry.name : `${dir}/${entry.name}`
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'miniprogram_npm') found.push(...(await filesUnder(root, relative)))
    } else {
      found.push(relative)
    }
  }
  return found
}

/** Compiles every `.ts` file of the mini-program on its own, as DevTools' TypeScript plugin does. */
export async function compileExample(root: string): Promise<CompiledExample> {
  const files = await filesUnder(root)
  const modules = new Map<string, string>()
  const wxml = new Map<string, string>()
  for (const file of files) {
    if (file.endsWith('.ts') && !file.endsWith('.d.ts')) {
      const source = await readFile(path.join(root, file), 'utf8')
      const { code } = await transform(source, { loader: 'ts', format: 'cjs', target: 'es2017', sourcefile: file })
      modules.set(file.replace(/\.ts$/, '.js'), code)
    } else if (file.endsWith('.wxml')) {
      wxml.set(file.replace(/\.wxml$/, ''), await readFile(path.join(root, file), 'utf8'))
    }
  }
  const appJson = JSON.parse(await readFile(path.join(root, 'app.json'), 'utf8')) as CompiledExample['appJson']
  return { root, modules, wxml, appJson }
}

type Handler = (this: PageInstance, ...args: unknown[]) => unknown
type PageOptions = Record<string, unknown> & { data?: Record<string, unknown> }

export interface PageInstance {
  readonly route: string
  readonly data: Readonly<Record<string, unknown>>
  setData(patch: Record<string, unknown>, callback?: () => void): void
  [custom: string]: unknown
}

/** The WeChat user behind the device, as the phone-number button sees them. */
export interface WechatUserSimulation {
  /** The number bound to the WeChat account; `undefined`: the user declines to share it. */
  phoneNumber?: string
  /** WeChat's side of the button: a code for the number (the WeChat emulator's `issuePhoneCode`). */
  issuePhoneCode(openid: string, phoneNumber: string): Promise<string>
  /** Whether the user agreed to the mini-program's privacy guide before. Default false. */
  privacyAgreed?: boolean
}

export interface FrameworkOptions {
  example: CompiledExample
  pkg: BuiltPackage
  device: SimulatedWx
  /** Module exports to use instead of a file's own, e.g. `config.js` pointing at the test server. */
  replace?: Record<string, unknown>
  /** For the open-type buttons; without it, `tapOpenType(page, 'getPhoneNumber')` fails the test. */
  user?: WechatUserSimulation
}

type PrivacyAnswer = { event?: unknown; buttonId?: unknown }

export interface MiniprogramFramework {
  readonly sandbox: MiniprogramSandbox
  /** The app instance `App()` registered (`getApp()`). */
  readonly app: Record<string, unknown>
  /** The page stack, bottom first. */
  readonly pages: readonly PageInstance[]
  /** `Page()` options per route, once the page's module ran. */
  readonly pageOptions: ReadonlyMap<string, PageOptions>
  /** Things WeChat would warn about (`setData` with `undefined`…). */
  readonly warnings: readonly string[]
  /** Runs app.js, `onLaunch` and `onShow`, then opens the first page of app.json. */
  launch(): Promise<void>
  currentPage(): PageInstance
  /** What a `bindtap` on the page does: calls the handler with a tap event; answers what it returned. */
  tap(page: PageInstance, handler: string): unknown
  /**
   * A tap on the page's `<button open-type="…">` (the one with `id` when
   * given). Resolves once the button's event handler ran and what it returned
   * settled; for `getPhoneNumber`, that is after the privacy agreement, when
   * WeChat asks for one. `privacyPending()` says whether WeChat is waiting on it.
   */
  tapOpenType(page: PageInstance, openType: 'getPhoneNumber' | 'agreePrivacyAuthorization', id?: string): Promise<unknown>
  /** A privacy agreement is being asked for: a listener was called and has not resolved yet. */
  privacyPending(): boolean
  /** Unloads every page and stops the sandbox's timers. */
  close(): void
}

function tapEvent(): Record<string, unknown> {
  const target = { id: '', dataset: {} }
  return { type: 'tap', timeStamp: 0, target, currentTarget: target, detail: { x: 0, y: 0 }, touches: [], changedTouches: [], mark: {} }
}

function parseUrl(url: string): { route: string; query: Record<string, string> } {
  const [pathPart = '', queryPart = ''] = url.split('?')
  const query: Record<string, string> = {}
  for (const pair of queryPart.split('&').filter(Boolean)) {
    const [key = '', value = ''] = pair.split('=')
    query[decodeURIComponent(key)] = decodeURIComponent(value)
  }
  return { route: pathPart.replace(/^\//, ''), query }
}

function later(fn: () => void): void {
  setTimeout(fn, 0)
}

export function createMiniprogramFramework(options: FrameworkOptions): MiniprogramFramework {
  const { example, pkg, device } = options
  const warnings: string[] = []
  const pageOptions = new Map<string, PageOptions>()
  const stack: PageInstance[] = []
  const moduleCache = new Map<string, unknown>()
  let app: Record<string, unknown> | undefined
  let library: Library | undefined
  let loadingRoute: string | undefined

  function callHook(target: Record<string, unknown> | undefined, hook: string, ...args: unknown[]): unknown {
    const fn = target?.[hook]
    return typeof fn === 'function' ? (fn as Handler).apply(target as PageInstance, args) : undefined
  }

  function navigation(api: 'navigateTo' | 'reLaunch') {
    return (option: {
      url: string
      success?: (result: unknown) => void
      fail?: (error: unknown) => void
      complete?: (result: unknown) => void
    }) => {
      const { route, query } = parseUrl(option.url)
      later(() => {
        if (!example.appJson.pages.includes(route)) {
          const error = { errMsg: `${api}:fail page "${route}" is not found` }
          option.fail?.(error)
          option.complete?.(error)
          return
        }
        if (api === 'reLaunch') while (stack.length > 0) callHook(stack.pop(), 'onUnload')
        else callHook(stack[stack.length - 1], 'onHide')
        openPage(route, query)
        const result = { errMsg: `${api}:ok` }
        option.success?.(result)
        option.complete?.(result)
      })
    }
  }

  let privacyAgreed = options.user?.privacyAgreed ?? false
  const privacyListeners: Array<(resolve: (answer: PrivacyAnswer) => void, eventInfo: { referrer: string }) => void> = []
  /** The ids of the agreePrivacyAuthorization buttons the user tapped. */
  const agreeTapped = new Set<string>()
  let privacyWaiting: ((answer: PrivacyAnswer) => void) | undefined

  const wx = {
    ...device,
    navigateTo: navigation('navigateTo'),
    reLaunch: navigation('reLaunch'),
    onNeedPrivacyAuthorization(listener: unknown) {
      if (typeof listener !== 'function') throw new TypeError('onNeedPrivacyAuthorization: listener must be a function')
      privacyListeners.push(listener as (typeof privacyListeners)[number])
    },
  }

  /**
   * WeChat's privacy gate in front of a privacy component: resolves `true`
   * when it may go on. The latest registered listener is asked (the
   * simulation's choice; WeChat's page does not say what several do).
   * Without a listener WeChat shows its own prompt, taken as agreed.
   */
  function privacyGate(referrer: string): Promise<boolean> {
    if (privacyAgreed) return Promise.resolve(true)
    const listener = privacyListeners[privacyListeners.length - 1]
    if (listener === undefined) {
      privacyAgreed = true
      return Promise.resolve(true)
    }
    return new Promise<boolean>((resolve) => {
      const answer = (given: PrivacyAnswer): void => {
        if (given?.event === 'exposureAuthorization') return
        privacyWaiting = undefined
        // WeChat checks that the agree button named was really tapped.
        const agreed = given?.event === 'agree' && typeof given.buttonId === 'string' && agreeTapped.has(given.buttonId)
        if (given?.event === 'agree' && !agreed)
          warnings.push(`privacy resolve named button "${String(given.buttonId)}", which was not tapped`)
        if (agreed) privacyAgreed = true
        resolve(agreed)
      }
      privacyWaiting = answer
      later(() => listener(answer, { referrer }))
    })
  }

  async function phoneNumberDetail(): Promise<Record<string, unknown>> {
    const user = options.user
    if (!user) throw new Error('the framework was given no user for the phone-number button')
    if (!(await privacyGate('button.getPhoneNumber'))) return { errMsg: 'getPhoneNumber:fail privacy permission is not authorized' }
    if (user.phoneNumber === undefined) return { errMsg: 'getPhoneNumber:fail user deny' }
    try {
      return { code: await user.issuePhoneCode(device.sim.openid, user.phoneNumber), errMsg: 'getPhoneNumber:ok' }
    } catch (error) {
      // No code: WeChat bills the button, and the quota is used up (the errMsg text is the simulation's).
      if (error instanceof PhoneQuotaExhaustedError) return { errMsg: 'getPhoneNumber:fail no quota', errno: error.errno }
      throw error
    }
  }
  const sandbox = createMiniprogramSandbox({
    wx,
    App: (appOptions) => {
      if (app) throw new Error('App() was called twice')
      app = appOptions as Record<string, unknown>
    },
    getApp: () => app,
    Page: (options) => {
      if (loadingRoute === undefined) throw new Error('Page() was called outside a page module')
      pageOptions.set(loadingRoute, options as PageOptions)
    },
  })

  function requireFrom(from: string) {
    return (specifier: string): unknown => {
      if (specifier === 'miniprogram-login') {
        if (!library) throw new Error('miniprogram-login was required before the package was loaded')
        return library
      }
      if (!specifier.startsWith('.')) throw unknownModule(specifier)
      let target = path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier))
      if (!target.endsWith('.js')) target += '.js'
      return loadModule(target)
    }
  }

  function loadModule(file: string): unknown {
    if (options.replace && file in options.replace) return options.replace[file]
    if (moduleCache.has(file)) return moduleCache.get(file)
    const code = example.modules.get(file)
    if (code === undefined) throw unknownModule(file)
    // A cycle would see the partial exports, as in WeChat's loader.
    moduleCache.set(file, {})
    const exported = sandbox.runModule(code, file, requireFrom(file))
    moduleCache.set(file, exported)
    return exported
  }

  function createPage(route: string, definition: PageOptions): PageInstance {
    const data: Record<string, unknown> = JSON.parse(JSON.stringify(definition.data ?? {})) as Record<string, unknown>
    const page: PageInstance = {
      route,
      get data() {
        return data
      },
      setData(patch, callback) {
        for (const [key, value] of Object.entries(patch)) {
          if (/[.[]/.test(key)) throw new Error(`setData path keys are not simulated: ${key}`)
          if (value === undefined) {
            warnings.push(`Setting data field "${key}" to undefined is invalid.`)
            continue
          }
          data[key] = JSON.parse(JSON.stringify(value))
        }
        if (callback) later(callback)
      },
    }
    for (const [key, value] of Object.entries(definition)) {
      if (key === 'data') continue
      page[key] = typeof value === 'function' ? value : JSON.parse(JSON.stringify(value ?? null))
    }
    return page
  }

  function openPage(route: string, query: Record<string, string>): PageInstance {
    if (!pageOptions.has(route)) {
      loadingRoute = route
      try {
        loadModule(`${route}.js`)
      } finally {
        loadingRoute = undefined
      }
    }
    const definition = pageOptions.get(route)
    if (!definition) throw new Error(`${route}.js did not call Page()`)
    const page = createPage(route, definition)
    stack.push(page)
    callHook(page, 'onLoad', query)
    callHook(page, 'onShow')
    callHook(page, 'onReady')
    return page
  }

  return {
    sandbox,
    get app() {
      if (!app) throw new Error('the app has not launched')
      return app
    },
    get pages() {
      return [...stack]
    },
    pageOptions,
    get warnings() {
      return [...warnings]
    },
    async launch() {
      library = await pkg.loadIndex(sandbox)
      loadModule('app.js')
      if (!app) throw new Error('app.js did not call App()')
      const first = example.appJson.pages[0]
      if (first === undefined) throw new Error('app.json lists no pages')
      const launchOptions = { path: first, query: {}, scene: 1001, referrerInfo: {} }
      callHook(app, 'onLaunch', launchOptions)
      callHook(app, 'onShow', launchOptions)
      openPage(first, {})
    },
    currentPage() {
      const page = stack[stack.length - 1]
      if (!page) throw new Error('no page is open')
      return page
    },
    tap(page, handler) {
      const fn = page[handler]
      if (typeof fn !== 'function') throw new Error(`${page.route} has no method ${handler}`)
      return (fn as Handler).call(page, tapEvent())
    },
    async tapOpenType(page, openType, id) {
      const button = wxmlButtons(example.wxml.get(page.route) ?? '').find(
        (candidate) => candidate.openType === openType && (id === undefined || candidate.id === id),
      )
      if (!button) throw new Error(`${page.route} has no <button open-type="${openType}"${id === undefined ? '' : ` id="${id}"`}>`)
      const target = { id: button.id ?? '', dataset: {} }
      const event = (type: string, detail: Record<string, unknown>) => ({
        type,
        timeStamp: 0,
        target,
        currentTarget: target,
        detail,
        mark: {},
      })
      const call = (name: string | undefined, payload: unknown): unknown => {
        if (name === undefined) return undefined
        const fn = page[name]
        if (typeof fn !== 'function') throw new Error(`${page.route} binds ${name}, which it does not have`)
        return (fn as Handler).call(page, payload)
      }
      if (openType === 'agreePrivacyAuthorization') {
        if (button.id !== undefined) agreeTapped.add(button.id)
        return call(
          button.handlers['agreeprivacyauthorization'],
          event('agreeprivacyauthorization', { errMsg: 'agreePrivacyAuthorization:ok' }),
        )
      }
      const detail = await phoneNumberDetail()
      return call(button.handlers['getphonenumber'], event('getphonenumber', detail))
    },
    privacyPending: () => privacyWaiting !== undefined,
    close() {
      while (stack.length > 0) callHook(stack.pop(), 'onUnload')
      sandbox.dispose()
    },
  }
}
