/**
 * The Stately page (`/<secret>/?ui=stately`, or the default with
 * `ui: 'stately'`): it embeds Stately's hosted inspector in an iframe and
 * forwards every event arriving on the relay's WebSocket into it, holding
 * them until the inspector says it is ready (`@statelyai.connected`). The
 * events then leave this machine for that site; the relay's own page is the
 * one that keeps them here.
 */

/** Makes a value safe to place inside an inline `<script>`. */
function scriptLiteral(value: string): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026')
}

function htmlAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

/** The inline script is ours; the only other origin the page may reach is the inspector's, in its frame. */
export function bridgePageCsp(inspectorUrl: string): string {
  const origin = new URL(inspectorUrl).origin
  return [
    "default-src 'none'",
    "script-src 'unsafe-inline'",
    "style-src 'unsafe-inline'",
    'img-src data:',
    `frame-src ${origin}`,
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ')
}

export function bridgePage(inspectorUrl: string): string {
  const inspectorOrigin = new URL(inspectorUrl).origin
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Login machine inspector (Stately)</title>
<link rel="icon" href="data:,">
<style>
  html, body { margin: 0; height: 100%; }
  iframe { border: 0; width: 100%; height: 100%; display: block; }
  #status { position: fixed; right: 8px; bottom: 8px; font: 12px sans-serif; background: #fff8; padding: 2px 6px; }
</style>
</head>
<body>
<iframe id="inspector" src="${htmlAttribute(inspectorUrl)}" title="Stately inspector"></iframe>
<div id="status">connecting to relay…</div>
<script>
(function () {
  var inspectorOrigin = ${scriptLiteral(inspectorOrigin)};
  var frame = document.getElementById('inspector');
  var status = document.getElementById('status');
  var ready = false;
  var pending = [];

  function deliver(event) {
    if (ready) frame.contentWindow.postMessage(event, inspectorOrigin);
    else pending.push(event);
  }

  window.addEventListener('message', function (message) {
    if (message.origin !== inspectorOrigin || !message.data || message.data.type !== '@statelyai.connected') return;
    ready = true;
    var held = pending;
    pending = [];
    held.forEach(deliver);
  });

  // The page lives at /<secret>/; the relay's socket for plain receivers is /<secret>.
  var socketPath = location.pathname.replace(/\\/+$/, '');
  function connect() {
    var socket = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + socketPath);
    socket.onopen = function () { status.textContent = 'relay connected'; };
    socket.onmessage = function (message) {
      if (typeof message.data !== 'string') return;
      try { deliver(JSON.parse(message.data)); } catch (e) { /* the relay only forwards JSON */ }
    };
    socket.onclose = function () {
      status.textContent = 'relay disconnected; retrying…';
      setTimeout(connect, 2000);
    };
  }
  connect();
})();
</script>
</body>
</html>
`
}
