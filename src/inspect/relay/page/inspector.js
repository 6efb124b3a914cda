/* global window, document, location, mermaid */
/**
 * The relay's inspector page, in the browser. It reads the relay's viewer
 * socket (`/<secret>/viewer`, see viewer-protocol.ts), keeps per app its
 * machine actors and an event log, draws each machine with Mermaid from the
 * chart the relay made of the actor's own definition, and marks the states
 * the machine is in.
 *
 * Plain browser JavaScript, loaded as the relay serves it: no build step, no
 * module loader, nothing fetched from anywhere but the relay.
 */
;(function () {
  'use strict'

  const MAX_LOG = 1000
  const RETRY_MIN_MS = 500
  const RETRY_MAX_MS = 10000

  const base = location.pathname.endsWith('/') ? location.pathname : `${location.pathname}/`
  const socketUrl = `${location.protocol === 'https:' ? 'wss://' : 'ws://'}${location.host}${base}viewer`

  const elements = {
    status: document.getElementById('relay-status'),
    appList: document.getElementById('app-list'),
    noApps: document.getElementById('no-apps'),
    charts: document.getElementById('charts'),
    logRows: document.getElementById('log-rows'),
  }

  /**
   * apps: id → { info, button, actors: Map<sessionId, actor>, views: Map<name, view>, log: entry[] }
   * actor: { sessionId, name, machine: boolean, value }
   * view (one chart per machine name in an app; it follows the newest actor of that name):
   *   { name, chart, sessionId, value, section, holder, nodes: Map<path, Element[]> | undefined }
   */
  let apps = new Map()
  let selected
  let relayId
  let lastSeq = 0
  let renderCount = 0
  // Mermaid renders one diagram at a time.
  let renderQueue = Promise.resolve()

  mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', theme: 'neutral' })

  function element(tag, attributes, text) {
    const node = document.createElement(tag)
    for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value)
    if (text !== undefined) node.textContent = text
    return node
  }

  /** `{ wxLogin: 'running' }` → `['wxLogin', 'wxLogin.running']`: every state the machine is in. */
  function activePaths(value, prefix) {
    if (typeof value === 'string') return [prefix ? `${prefix}.${value}` : value]
    if (!value || typeof value !== 'object') return []
    const paths = []
    for (const key of Object.keys(value)) {
      const path = prefix ? `${prefix}.${key}` : key
      paths.push(path, ...activePaths(value[key], path))
    }
    return paths
  }

  /** The innermost states, as one line: `wxLogin.running`. */
  function valueText(value) {
    if (value === undefined) return '—'
    const paths = activePaths(value, '')
    const leaves = paths.filter((path) => !paths.some((other) => other.startsWith(`${path}.`)))
    return leaves.length > 0 ? leaves.join(', ') : JSON.stringify(value)
  }

  function timeText(createdAt) {
    const ms = Number(createdAt)
    const date = Number.isFinite(ms) ? new Date(ms) : new Date()
    const pad = (n, width) => String(n).padStart(width, '0')
    return `${pad(date.getHours(), 2)}:${pad(date.getMinutes(), 2)}:${pad(date.getSeconds(), 2)}.${pad(date.getMilliseconds(), 3)}`
  }

  function setStatus(status, text) {
    elements.status.dataset.status = status
    elements.status.textContent = text
  }

  // ---- apps ---------------------------------------------------------------

  function appFor(info) {
    let app = apps.get(info.id)
    if (!app) {
      const button = element('button', { type: 'button', 'data-app': info.id })
      button.addEventListener('click', () => select(info.id))
      const item = element('li')
      item.append(button)
      elements.appList.append(item)
      app = { info, button, actors: new Map(), views: new Map(), log: [] }
      apps.set(info.id, app)
      elements.noApps.hidden = true
    }
    app.info = info
    app.button.replaceChildren(
      element('span', { class: 'dot', title: info.connected ? 'connected' : 'disconnected' }),
      element('span', { class: 'label' }, info.label),
      element('small', {}, `${info.id}${info.address ? ` · ${info.address}` : ''}`),
    )
    app.button.dataset.connected = String(info.connected)
    if (selected === undefined) select(info.id)
    return app
  }

  function select(id) {
    selected = id
    for (const app of apps.values()) {
      const isSelected = app.info.id === id
      app.button.setAttribute('aria-pressed', String(isSelected))
      for (const view of app.views.values()) view.section.hidden = !isSelected
    }
    const app = apps.get(id)
    elements.logRows.replaceChildren(...(app ? app.log.flatMap(rowsOf) : []))
  }

  /** A log entry's row, and its payload row when that is open. */
  function rowsOf(entry) {
    return entry.detail ? [entry.row, entry.detail] : [entry.row]
  }

  // ---- charts -------------------------------------------------------------

  function viewFor(app, name, chart) {
    let view = app.views.get(name)
    if (!view) {
      const section = element('section', { class: 'chart', 'data-app': app.info.id, 'data-machine': name })
      const holder = element('div', { class: 'chart-holder' }, 'drawing the chart…')
      const size = element('button', { type: 'button', class: 'size-toggle', 'aria-pressed': 'false' }, 'actual size')
      const heading = element('h2', {}, name)
      heading.append(size)
      section.append(heading, holder)
      section.hidden = app.info.id !== selected
      elements.charts.append(section)
      view = { name, chart: undefined, sessionId: undefined, value: undefined, section, holder, nodes: undefined, natural: false }
      const thisView = view
      size.addEventListener('click', () => {
        thisView.natural = !thisView.natural
        size.setAttribute('aria-pressed', String(thisView.natural))
        sizeChart(thisView)
      })
      app.views.set(name, view)
    }
    if (!view.chart || view.chart.mermaid !== chart.mermaid) {
      view.chart = chart
      view.nodes = undefined
      draw(view, chart)
    }
    return view
  }

  function draw(view, chart) {
    const id = `chart-${++renderCount}`
    renderQueue = renderQueue
      .then(() => mermaid.render(id, chart.mermaid))
      .then(({ svg }) => {
        if (view.chart !== chart) return
        view.holder.innerHTML = svg
        view.nodes = indexNodes(view.holder, id, chart.states)
        view.section.dataset.drawn = 'true'
        sizeChart(view)
        highlight(view)
      })
      .catch((error) => {
        view.holder.textContent = `could not draw this machine: ${error && error.message ? error.message : String(error)}`
      })
  }

  /** Fitted to the panel (the default), or at the size Mermaid laid it out, to read a large machine. */
  function sizeChart(view) {
    const svg = view.holder.querySelector('svg')
    const box = svg && svg.viewBox && svg.viewBox.baseVal
    if (!box) return
    svg.style.width = view.natural ? `${box.width}px` : ''
    svg.style.height = view.natural ? `${box.height}px` : ''
  }

  /** Finds each state's shapes in Mermaid's SVG (ids like `chart-1-state-wxLogin_running-8`, clusters by `data-id`). */
  function indexNodes(holder, renderId, states) {
    const pathById = new Map(Object.entries(states).map(([path, id]) => [id, path]))
    const nodes = new Map()
    const add = (path, node) => {
      node.dataset.state = path
      if (!nodes.has(path)) nodes.set(path, [])
      nodes.get(path).push(node)
    }
    const prefix = `${renderId}-state-`
    for (const node of holder.querySelectorAll('g[id]')) {
      if (!node.id.startsWith(prefix)) continue
      const id = node.id.slice(prefix.length).replace(/-\d+$/, '')
      const path = node.dataset.id !== undefined ? pathById.get(node.dataset.id) : pathById.get(id)
      if (path !== undefined) add(path, node)
    }
    return nodes
  }

  function highlight(view) {
    const current = new Set(activePaths(view.value, ''))
    view.section.dataset.current = valueText(view.value)
    if (!view.nodes) return
    for (const [path, nodes] of view.nodes) {
      for (const node of nodes) node.classList.toggle('current', current.has(path))
    }
  }

  // ---- frames -------------------------------------------------------------

  function onActor(app, frame, chart) {
    const name = typeof frame.name === 'string' ? frame.name : frame.sessionId
    const actor = { sessionId: frame.sessionId, name, machine: Boolean(chart), value: frame.snapshot && frame.snapshot.value }
    app.actors.set(frame.sessionId, actor)
    if (!chart) return
    const view = viewFor(app, name, chart)
    view.sessionId = frame.sessionId
    view.value = actor.value
    highlight(view)
  }

  function onSnapshot(app, frame) {
    const actor = app.actors.get(frame.sessionId)
    if (!actor || !actor.machine) return
    const snapshot = frame.snapshot || {}
    const event = frame.event || {}
    // Nothing comes before `xstate.init`; the value an actor was announced with may be later than that
    // (`@statelyai/inspect` reads it when it gets round to sending the announcement).
    const from = event.type === 'xstate.init' ? undefined : actor.value
    actor.value = snapshot.value
    addLogEntry(app, {
      time: timeText(frame.createdAt),
      actor: actor.name,
      type: typeof event.type === 'string' ? event.type : '?',
      from: valueText(from),
      to: valueText(snapshot.value),
      payload: event,
    })
    const view = app.views.get(actor.name)
    if (view && view.sessionId === actor.sessionId) {
      view.value = snapshot.value
      highlight(view)
    }
  }

  /** Sets dotted text (`xstate.done.actor.wxLogin`) so a narrow column breaks it after a dot, not inside a word. */
  function breakable(node, text) {
    text.split('.').forEach((part, index) => {
      if (index > 0) node.append('.', document.createElement('wbr'))
      node.append(part)
    })
    return node
  }

  function addLogEntry(app, entry) {
    const row = element('tr', { 'data-event': entry.type, 'data-from': entry.from, 'data-to': entry.to })
    const button = element('button', { type: 'button', class: 'payload-toggle', 'aria-expanded': 'false' }, 'payload')
    // The payload (already redacted by the app) is only put in the page when asked for.
    button.addEventListener('click', () => {
      if (entry.detail) {
        entry.detail.remove()
        entry.detail = undefined
      } else {
        entry.detail = element('tr', { class: 'payload' })
        const cell = element('td', { colspan: '4' })
        cell.append(element('pre', {}, JSON.stringify(entry.payload, null, 2)))
        entry.detail.append(cell)
        row.after(entry.detail)
      }
      button.setAttribute('aria-expanded', String(Boolean(entry.detail)))
    })
    const action = element('td')
    action.append(button)
    row.append(
      element('td', { class: 'time' }, entry.time),
      breakable(element('td', { class: 'event', title: entry.actor }), entry.type),
      element('td', { class: 'transition' }, entry.from === entry.to ? entry.to : `${entry.from} → ${entry.to}`),
      action,
    )
    entry.row = row
    app.log.push(entry)
    const dropped = app.log.length > MAX_LOG ? app.log.shift() : undefined
    if (app.info.id !== selected) return
    if (dropped) for (const old of rowsOf(dropped)) old.remove()
    const log = document.getElementById('log')
    const atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 4
    elements.logRows.append(row)
    if (atBottom) log.scrollTop = log.scrollHeight
  }

  function onFrame(message) {
    if (typeof message.seq !== 'number' || message.seq <= lastSeq) return // seen before this reconnect
    lastSeq = message.seq
    const app = apps.get(message.source) || appFor({ id: message.source, label: message.source, address: undefined, connected: true })
    const frame = message.frame
    if (!frame || typeof frame.sessionId !== 'string') return
    if (frame.type === '@xstate.actor') onActor(app, frame, message.chart)
    else if (frame.type === '@xstate.snapshot') onSnapshot(app, frame)
  }

  function reset() {
    apps = new Map()
    selected = undefined
    lastSeq = 0
    elements.appList.replaceChildren()
    elements.charts.replaceChildren()
    elements.logRows.replaceChildren()
    elements.noApps.hidden = false
  }

  function onMessage(message) {
    if (!message || typeof message !== 'object') return
    if (message.kind === 'hello') {
      if (relayId !== undefined && relayId !== message.relay) reset()
      relayId = message.relay
    } else if (message.kind === 'source' && message.source && typeof message.source.id === 'string') {
      appFor(message.source)
    } else if (message.kind === 'frame') {
      onFrame(message)
    }
  }

  // ---- the socket ---------------------------------------------------------

  let retryMs = RETRY_MIN_MS
  function connect() {
    setStatus('connecting', 'connecting to the relay…')
    const socket = new WebSocket(socketUrl)
    socket.onopen = () => {
      retryMs = RETRY_MIN_MS
      setStatus('open', 'relay connected')
    }
    socket.onmessage = (event) => {
      if (typeof event.data !== 'string') return
      let message
      try {
        message = JSON.parse(event.data)
      } catch {
        return // the relay only sends JSON
      }
      onMessage(message)
    }
    socket.onclose = () => {
      setStatus('closed', `relay disconnected; trying again in ${Math.round(retryMs / 1000)} s…`)
      window.setTimeout(connect, retryMs)
      retryMs = Math.min(RETRY_MAX_MS, retryMs * 2)
    }
  }
  connect()
})()
