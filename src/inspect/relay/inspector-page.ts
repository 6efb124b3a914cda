/**
 * The relay's own inspector page (the default at `/<secret>/`). It loads
 * nothing but the relay's own files (`assets/…`, relative to the page, so
 * under the secret path), and its Content-Security-Policy says so to the
 * browser: no script, style, image, font or connection from anywhere else.
 */

/** The headers every page of the relay is sent with. */
export const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'cross-origin-opener-policy': 'same-origin',
} as const

/**
 * Mermaid writes `<style>` into the SVG it makes and sets `style` attributes,
 * hence `'unsafe-inline'` for styles only; scripts come from the relay alone.
 * `'self'` covers the page's WebSocket to the same host and port.
 */
export const INSPECTOR_PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ')

export function inspectorPage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Login machine inspector</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="assets/inspector.css">
</head>
<body>
<header>
  <h1>Login machine inspector</h1>
  <span id="relay-status" data-status="connecting">connecting to the relay…</span>
  <a id="stately-link" href="?ui=stately" title="Stately's hosted inspector (needs internet)">Stately inspector</a>
</header>
<main>
  <nav id="apps" aria-label="Connected apps">
    <h2>Apps</h2>
    <ul id="app-list"></ul>
    <p id="no-apps">No app has sent anything yet. Point an inspector at this relay (the URLs <code>npm run inspect</code> printed).</p>
  </nav>
  <section id="charts" aria-label="State charts"></section>
  <aside id="log" aria-label="Event log">
    <h2>Events</h2>
    <table>
      <thead><tr><th>time</th><th>event</th><th>from → to</th><th></th></tr></thead>
      <tbody id="log-rows"></tbody>
    </table>
  </aside>
</main>
<script src="assets/mermaid.min.js"></script>
<script src="assets/inspector.js"></script>
</body>
</html>
`
}
