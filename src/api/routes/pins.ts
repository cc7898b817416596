import Type from 'typebox'
import type { ApiInstance, RouteOptions } from '../context.js'
import { errorResponses, CidParams, ErrorSchema } from '../schemas.js'
import { parseCid } from '../../unixfs/ipfs-path.js'
import { abortSignalOf } from '../abort.js'

const PinSchema = Type.Object({
  cid: Type.String(),
  type: Type.String({ description: 'recursive | direct | indirect' }),
  name: Type.Optional(Type.String())
})

/** POST /pin/:cid, DELETE /pin/:cid, GET /pins, POST /repo/gc. */
export async function pinRoutes (app: ApiInstance, { node }: RouteOptions): Promise<void> {
  app.post('/pin/:cid', {
    schema: {
      params: CidParams,
      querystring: Type.Object({
        recursive: Type.Optional(Type.Boolean({ description: 'pin the whole DAG (default) or only this block' })),
        name: Type.Optional(Type.String({ maxLength: 255 }))
      }),
      response: { 200: PinSchema, ...errorResponses, 409: ErrorSchema }
    }
  }, async (request) => {
    const { recursive, name } = request.query
    const pin = await node.pins.add(parseCid(request.params.cid), { ...(recursive !== undefined ? { recursive } : {}), ...(name !== undefined ? { name } : {}), signal: abortSignalOf(request) })
    return { cid: pin.cid, type: pin.type, ...(pin.name !== undefined ? { name: pin.name } : {}) }
  })

  app.delete('/pin/:cid', { schema: { params: CidParams, response: { 200: Type.Object({ cid: Type.String() }), ...errorResponses, 409: ErrorSchema } } }, async (request) => {
    const cid = parseCid(request.params.cid)
    await node.pins.rm(cid)
    return { cid: cid.toString() }
  })

  app.get('/pins', {
    schema: {
      querystring: Type.Object({
        type: Type.Optional(Type.Union([Type.Literal('stored'), Type.Literal('all'), Type.Literal('recursive'), Type.Literal('direct'), Type.Literal('indirect')], {
          description: 'stored (default: recursive and direct), all (also indirect), or one type'
        }))
      }),
      response: { 200: Type.Object({ pins: Type.Array(PinSchema) }), ...errorResponses }
    }
  }, async (request) => {
    const type = request.query.type
    const pins = []
    for await (const pin of node.pins.ls({ type: type ?? 'stored', signal: abortSignalOf(request) })) pins.push(pin)
    return { pins }
  })

  app.post('/repo/gc', {
    schema: {
      response: {
        200: Type.Object({ removedBlocks: Type.Integer(), freedBytes: Type.Integer(), removed: Type.Array(Type.String()) }),
        ...errorResponses
      }
    }
  }, async (request) => {
    const result = await node.pins.gc({ signal: abortSignalOf(request) })
    return { removedBlocks: result.removed.length, freedBytes: result.freedBytes, removed: result.removed.map(c => c.toString()) }
  })
}
