/**
 * The reference developer server: a Fastify instance with `loginPlugin`
 * registered, secret-free logging, and a close that does not wait on idle
 * keep-alive connections. A thin wrapper: an app of your own gets the same with
 * `app.register(loginPlugin, options)`.
 */
import Fastify from 'fastify'
import type { FastifyInstance } from 'fastify'
import { withSecretRedaction } from './logging.ts'
import { loginPlugin } from './login-plugin.ts'
import { errorHandlingPlugin } from './plugins/index.ts'
import type { CreateServerOptions } from './types.ts'
import { fastifyTrustProxy } from './trust-proxy.ts'
import { answerClientError } from './client-errors.ts'
import { timerDelay } from './timer-delay.ts'

/** `requestTimeoutMs` unless given: a login is a few hundred bytes, and a phone on a weak network sends them in well under this. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000
/** Node's own interval between checks of the requests in progress. */
const NODE_CONNECTIONS_CHECKING_INTERVAL_MS = 30_000

/**
 * A configured Fastify instance, not yet listening; resolves once the plugin
 * has loaded, so `app.authenticate` is there for the routes you add next.
 * Closing it closes the store. Rejects when an option is invalid.
 */
export async function createServer(options: CreateServerOptions): Promise<FastifyInstance> {
  if (typeof options !== 'object' || options === null) throw new TypeError('createServer: options are required')
  const { logger, trustProxy, requestTimeoutMs: requested = DEFAULT_REQUEST_TIMEOUT_MS, ...pluginOptions } = options
  const trusted = fastifyTrustProxy(trustProxy, 'createServer')
  const requestTimeoutMs = timerDelay(requested, 'createServer: requestTimeoutMs')
  const app = Fastify({
    logger: withSecretRedaction(logger),
    ...(trusted === undefined ? {} : { trustProxy: trusted }),
    // Node checks the requests in progress every `connectionsCheckingInterval` (30 s by default), so a
    // shorter timeout is checked as often as it is long, and a request is cut at most twice its time.
    requestTimeout: requestTimeoutMs,
    http: {
      // Node refuses a headersTimeout above the requestTimeout it is created with.
      requestTimeout: requestTimeoutMs,
      headersTimeout: requestTimeoutMs,
      connectionsCheckingInterval: Math.min(requestTimeoutMs, NODE_CONNECTIONS_CHECKING_INTERVAL_MS),
    },
    // Requests Node's parser refuses are answered in the contract's shape, and their bytes never logged.
    clientErrorHandler: answerClientError,
  })

  // A keep-alive connection whose request is in flight when close() begins would
  // hold the close open until Fastify's keepAliveTimeout (72 s): from then on,
  // every answer tells the client to hang up, so the socket ends with its request.
  let closing = false
  let forceClose: ReturnType<typeof setTimeout> | undefined
  app.addHook('preClose', async () => {
    closing = true
    // Node stops checking request timeouts once close() begins, so a request still arriving then would
    // hold the close open for ever: after one more request time, every connection left is cut.
    forceClose = setTimeout(() => app.server.closeAllConnections(), requestTimeoutMs)
    forceClose.unref()
  })
  app.addHook('onClose', async () => {
    clearTimeout(forceClose)
  })
  // A callback hook: it runs on every answer, and an async one costs a promise each time.
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close')
    done(null, payload)
  })
  // The whole app answers in the contract's error shape, unknown paths and unparsable requests included.
  await app.register(errorHandlingPlugin)
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: 'not_found', message: `no route for ${request.method} on this path` }),
  )

  await app.register(loginPlugin, pluginOptions)
  return app
}
