import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify'
import type { TSchema } from 'typebox'
import { Compile } from 'typebox/compile'
import { AppError } from '../errors/index.js'
import '../validation/formats.js'
import '../config/duration.js'

/** A JSON schema node, as TypeBox builds them (only the keywords looked at here). */
interface SchemaNode {
  type?: string | string[]
  minimum?: number
  maximum?: number
  properties?: Record<string, SchemaNode>
  [keyword: string]: unknown
}

/** An integer field of a querystring or params schema and its range. */
interface IntegerField {
  name: string
  minimum: number
  maximum: number
}

/** Plain decimal digits: what a number in a URL may look like (no `1e3`, `0x10`, `+1`, `-0`, `1.0`, ``). */
const plainDecimal = /^(0|[1-9][0-9]*)$/

const isNumeric = (node: SchemaNode): boolean => node.type === 'integer' || node.type === 'number' ||
  (Array.isArray(node.type) && (node.type.includes('integer') || node.type.includes('number')))

/**
 * Throws when a number anywhere in `node` has no finite bounds within the safe integers: every
 * number a client sends must have a range (a route that forgets one fails at startup, not in
 * production with `capacity: 1e300`).
 */
export function assertBoundedNumbers (node: unknown, where: string): void {
  if (typeof node !== 'object' || node === null) return
  if (Array.isArray(node)) { for (const item of node) assertBoundedNumbers(item, where); return }
  const schema = node as SchemaNode
  if (isNumeric(schema)) {
    const { minimum, maximum } = schema
    if (typeof maximum !== 'number' || maximum > Number.MAX_SAFE_INTEGER || typeof minimum !== 'number' || minimum < Number.MIN_SAFE_INTEGER) {
      throw new Error(`${where}: every number a client sends needs a minimum and a maximum within the safe integers`)
    }
  }
  for (const value of Object.values(schema)) assertBoundedNumbers(value, where)
}

function integerFields (schema: unknown): IntegerField[] {
  const properties = (schema as SchemaNode | undefined)?.properties ?? {}
  return Object.entries(properties)
    .filter(([, node]) => node.type === 'integer')
    .map(([name, node]) => ({ name, minimum: node.minimum ?? 0, maximum: node.maximum ?? Number.MAX_SAFE_INTEGER }))
}

function checkValues (values: Record<string, unknown> | undefined, fields: IntegerField[]): void {
  for (const field of fields) {
    const raw = values?.[field.name]
    if (raw === undefined) continue
    for (const value of [raw].flat()) {
      const text = String(value)
      const shown = text.length > 40 ? text.slice(0, 40) + '…' : text
      if (!plainDecimal.test(text)) throw new AppError('INVALID_PARAMETER', `${field.name} must be a whole number in decimal digits, got "${shown}"`)
      const n = Number(text)
      if (!(n >= field.minimum && n <= field.maximum)) throw new AppError('INVALID_PARAMETER', `${field.name} must be between ${field.minimum} and ${field.maximum}, got ${shown}`)
    }
  }
}

/**
 * A JSON body checked against its schema as sent, by TypeBox (the checker of the config and the
 * wire messages, with the same formats). Fastify's ajv coerces types (`coerceTypes`), which URL
 * parts need but bodies must not get: it would turn a price sent as a JSON number into a string
 * of whatever the float rounded it to, and `"1000"` into a capacity. A body that passes here is
 * already of the right types, so ajv's pass after it changes nothing.
 */
function exactBody (schema: unknown): (body: unknown) => void {
  const check = Compile(schema as TSchema)
  return body => {
    if (check.Check(body)) return
    const problems = [...check.Errors(body)].slice(0, 3).map(e => `body${e.instancePath} ${e.message}`)
    throw new AppError('INVALID_PARAMETER', problems.join('; '))
  }
}

/**
 * One check for every route, installed as routes are registered: (1) each schema of what a
 * client sends (querystring, params, body, headers) bounds every number it has; (2) an integer
 * in the URL (querystring or path) is accepted only as plain decimal digits within its range,
 * checked on the raw text before Fastify's ajv coerces it — ajv alone turns `1e400` into
 * Infinity (which it then calls an integer), `0x10` into 16 and `` into 0; (3) a JSON body
 * has exactly the schema's types (exactBody).
 */
export function registerStrictInputs (app: FastifyInstance): void {
  app.addHook('onRoute', (route: RouteOptions) => {
    const schema = route.schema as Record<string, unknown> | undefined
    if (schema === undefined) return
    const where = `${[route.method].flat().join('|')} ${route.url}`
    for (const part of ['querystring', 'params', 'body', 'headers']) assertBoundedNumbers(schema[part], `${where} ${part}`)
    const query = integerFields(schema.querystring)
    const params = integerFields(schema.params)
    const body = schema.body !== undefined ? exactBody(schema.body) : undefined
    if (query.length === 0 && params.length === 0 && body === undefined) return
    const check = async (request: FastifyRequest): Promise<void> => {
      checkValues(request.query as Record<string, unknown>, query)
      checkValues(request.params as Record<string, unknown>, params)
      body?.(request.body)
    }
    route.preValidation = [check, ...[route.preValidation ?? []].flat()]
  })
}
