/**
 * For the routes of one encapsulated context: JSON bodies only (an empty
 * body counts as none, so body-less POSTs work), and validation that never
 * coerces (`{ code: 123 }` is rejected, not turned into `'123'`). Fastify's
 * defaults are left alone for routes outside that context.
 */
import type { Ajv as AjvClass, Options as AjvOptions } from 'ajv'
import type { FastifyInstance } from 'fastify'
import { createRequire } from 'node:module'

type AjvConstructor = new (options: AjvOptions) => AjvClass

/**
 * Ajv as Fastify itself has it (fastify → @fastify/ajv-compiler → ajv), so the
 * server needs no `ajv` of its own and gets the very version Fastify validates
 * with, whatever the package manager's layout.
 */
function fastifysAjv(): AjvConstructor {
  const fromHere = createRequire(import.meta.url)
  const fromFastify = createRequire(fromHere.resolve('fastify'))
  const fromCompiler = createRequire(fromFastify.resolve('@fastify/ajv-compiler'))
  return (fromCompiler('ajv') as { Ajv: AjvConstructor }).Ajv
}

export function useStrictJson(fastify: FastifyInstance): void {
  const Ajv = fastifysAjv()
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
