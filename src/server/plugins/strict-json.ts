/**
 * For the routes of one encapsulated context: JSON bodies only (an empty
 * body counts as none, so body-less POSTs work), and validation that never
 * coerces (`{ code: 123 }` is rejected, not turned into `'123'`). Fastify's
 * defaults are left alone for routes outside that context.
 */
import { Ajv } from 'ajv'
import type { FastifyInstance } from 'fastify'

export function useStrictJson(fastify: FastifyInstance): void {
  const ajv = new Ajv({ coerceTypes: false, useDefaults: true, removeAdditional: false, allErrors: false })
  fastify.setValidatorCompiler(({ schema }) => ajv.compile(schema))

  const parseJson = fastify.getDefaultJsonParser('error', 'error')
  fastify.removeAllContentTypeParsers()
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8')
    if (text.trim() === '') {
      done(null, undefined)
      return
    }
    void parseJson(request, text, done)
  })
}
