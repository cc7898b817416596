import Type from 'typebox'
import type { ApiInstance, RouteOptions } from '../context.js'
import { errorResponses, CidParams, ErrorSchema } from '../schemas.js'
import { fileUpload } from '../upload.js'
import { serveFile } from '../serve-file.js'
import { parseCid } from '../../unixfs/ipfs-path.js'
import { resolveImportParams } from '../../unixfs/params.js'
import { abortSignalOf } from '../abort.js'
import { AppError } from '../../errors/index.js'
import { Uint } from '../../validation/types.js'

const AddQuery = Type.Object({
  'cid-version': Type.Optional(Type.Integer({ minimum: 0, maximum: 1, description: 'CID version (default add.cidVersion = 1)' })),
  'raw-leaves': Type.Optional(Type.Boolean({ description: 'raw leaves (default: true for CIDv1, false for CIDv0)' })),
  chunker: Type.Optional(Type.String({ maxLength: 32, description: 'size-N, fixed chunks of N bytes (default size-262144)' })),
  pin: Type.Optional(Type.Boolean({ description: 'pin the file (default true)' })),
  name: Type.Optional(Type.String({ maxLength: 255, description: 'a name to remember the file by' })),
  upload: Type.Optional(Type.Boolean({ description: 'then upload it to hosts (as POST /storage/upload with the defaults)' }))
})

const AddResult = Type.Object({
  cid: Type.String(),
  size: Type.Integer({ description: 'file size in bytes' }),
  name: Type.Optional(Type.String()),
  upload: Type.Optional(Type.String({ description: 'upload session id, with upload=true' }))
})

const CatQuery = Type.Object({
  offset: Type.Optional(Uint({ description: 'first byte' })),
  length: Type.Optional(Uint({ description: 'number of bytes' }))
})

const LsLink = Type.Object({ name: Type.String(), cid: Type.String(), size: Type.Integer(), type: Type.String() })
const LsResult = Type.Object({ cid: Type.String(), type: Type.String(), size: Type.Integer(), links: Type.Array(LsLink) })

/** POST /add, GET|HEAD /cat/:cid, GET /ls/:cid. */
export async function filesRoutes (app: ApiInstance, { node }: RouteOptions): Promise<void> {
  // POST /add imports the body as bytes whatever its type: Fastify's own JSON and text parsers
  // would buffer and parse it (and the upload would fail), so in this plugin they give way to
  // the catch-all stream parser of app.ts.
  app.removeContentTypeParser(['application/json', 'text/plain'])
  app.post('/add', {
    schema: { querystring: AddQuery, response: { 200: AddResult, ...errorResponses, 413: ErrorSchema, 415: ErrorSchema } }
  }, async (request) => {
    const q = request.query
    const defaults = node.config.add
    const params = resolveImportParams({ cidVersion: q['cid-version'] as 0 | 1 | undefined, rawLeaves: q['raw-leaves'], chunker: q.chunker }, defaults)
    if (q.upload === true) void node.online // fails before the body is read when there is no network
    const upload = await fileUpload(request, node.config.api.maxBodyBytes)
    const name = q.name ?? upload.filename
    const result = await node.files.add(upload.content, {
      params,
      pin: q.pin ?? defaults.pin,
      signal: abortSignalOf(request),
      maxBytes: node.config.api.maxBodyBytes,
      ...(name !== undefined ? { name } : {})
    })
    const session = q.upload === true ? await node.online.uploads.upload({ root: result.cid }) : undefined
    return { cid: result.cid.toString(), size: result.size, ...(result.name !== undefined ? { name: result.name } : {}), ...(session !== undefined ? { upload: session } : {}) }
  })

  app.route({
    method: ['GET', 'HEAD'],
    url: '/cat/:cid',
    schema: { params: CidParams, querystring: CatQuery, response: { ...errorResponses, 416: ErrorSchema } },
    handler: async (request, reply) => {
      const cid = parseCid(request.params.cid)
      const signal = abortSignalOf(request)
      const file = await node.files.open({ cid, segments: [] }, signal).catch(async err => {
        // Not here any more: rebuild it from the hosts it was uploaded to.
        if (!(err instanceof AppError && err.code === 'BLOCK_NOT_FOUND' && node.isOnline)) throw err
        return await node.online.retriever.open(cid, { fetch: request.method === 'GET', signal }).catch((remote: unknown) => {
          throw remote instanceof AppError && remote.code === 'NOT_FOUND' ? err : remote
        })
      })
      const { offset, length } = request.query
      const window = offset !== undefined || length !== undefined ? { offset, length } : undefined
      return serveFile(request, reply, file, { contentType: 'application/octet-stream', ...(window !== undefined ? { window } : {}) })
    }
  })

  app.get('/ls/:cid', { schema: { params: CidParams, response: { 200: LsResult, ...errorResponses } } }, async (request) => {
    return await node.files.ls({ cid: parseCid(request.params.cid), segments: [] }, abortSignalOf(request))
  })
}
