import { Readable } from 'node:stream'
import Type from 'typebox'
import type { ApiInstance, RouteOptions } from '../context.js'
import { errorResponses, CidParams } from '../schemas.js'
import { parseCid } from '../../unixfs/ipfs-path.js'
import { abortSignalOf } from '../abort.js'
import { manifestView } from '../../shards/view.js'
import { Uint } from '../../validation/types.js'
import { DaemonPath, daemonPath } from '../daemon-path.js'

const ShardSchema = Type.Object({ index: Type.Integer(), cid: Type.String(), size: Type.Integer(), merkleRoot: Type.String({ description: 'hex' }) })

const ManifestSchema = Type.Object({
  manifest: Type.String(),
  root: Type.String(),
  size: Type.Integer(),
  k: Type.Integer(),
  m: Type.Integer(),
  segmentSize: Type.Integer(),
  leafSize: Type.Integer(),
  public: Type.Boolean({ description: 'the file key is in clear in the manifest' }),
  shards: Type.Array(ShardSchema)
})

/** POST /shards/encode, POST /shards/decode, GET /shards, GET /shards/:cid. */
export async function shardRoutes (app: ApiInstance, { node }: RouteOptions): Promise<void> {
  // Both shard routes read or write folders of the daemon's host: only its own user may call them.
  app.post('/shards/encode', {
    config: { privileged: true },
    schema: {
      querystring: Type.Object({
        cid: Type.String({ maxLength: 128, description: 'the stored file to encode' }),
        out: DaemonPath('the folder for the shard files (created if missing)'),
        k: Type.Optional(Uint({ minimum: 1, maximum: 256 })),
        m: Type.Optional(Uint({ minimum: 0, maximum: 255 })),
        'segment-size': Type.Optional(Uint({ minimum: 4096, maximum: 268435456 })),
        'leaf-size': Type.Optional(Uint({ minimum: 64, maximum: 1048576 })),
        public: Type.Optional(Type.Boolean({ description: 'put the file key in clear in the manifest' }))
      }),
      response: { 200: ManifestSchema, ...errorResponses }
    }
  }, async (request) => {
    const q = request.query
    const params = {
      ...(q.k !== undefined ? { k: q.k } : {}),
      ...(q.m !== undefined ? { m: q.m } : {}),
      ...(q['segment-size'] !== undefined ? { segmentSize: q['segment-size'] } : {}),
      ...(q['leaf-size'] !== undefined ? { leafSize: q['leaf-size'] } : {})
    }
    const outDir = daemonPath(q.out, 'out')
    const result = await node.shards.encode(parseCid(q.cid), { outDir, params, public: q.public === true, signal: abortSignalOf(request) })
    return manifestView(result.manifestCid.toString(), result.manifest)
  })

  app.post('/shards/decode', {
    config: { privileged: true },
    schema: {
      querystring: Type.Object({
        manifest: Type.String({ maxLength: 128 }),
        from: DaemonPath('a folder holding shard files'),
        offset: Type.Optional(Uint()),
        length: Type.Optional(Uint())
      })
    }
  }, async (request, reply) => {
    const q = request.query
    const fromDir = daemonPath(q.from, 'from')
    const { manifest, stream } = await node.shards.decode(parseCid(q.manifest), { fromDir, offset: q.offset, length: q.length, signal: abortSignalOf(request) })
    // decrypt the first segment before the status line, so a damaged set is an error response
    const first = await stream.next()
    const from = Math.min(q.offset ?? 0, manifest.size)
    const length = Math.min(q.length ?? manifest.size, manifest.size - from)
    reply.type('application/octet-stream').header('Content-Length', length).header('X-Btfs-Root', manifest.root.toString())
    const rest = async function * (): AsyncGenerator<Uint8Array> {
      if (first.done !== true) yield first.value
      yield * stream
    }
    return reply.send(Readable.from(rest()))
  })

  app.get('/shards', {
    schema: {
      querystring: Type.Object({ root: Type.Optional(Type.String({ maxLength: 128, description: 'only the shard sets of this file' })) }),
      response: { 200: Type.Object({ manifests: Type.Array(Type.Object({ manifest: Type.String(), root: Type.String(), k: Type.Integer(), m: Type.Integer(), created: Type.String() })) }), ...errorResponses }
    }
  }, async (request) => {
    const root = request.query.root
    return { manifests: await node.shards.list(root === undefined ? undefined : parseCid(root)) }
  })

  app.get('/shards/:cid', { schema: { params: CidParams, response: { 200: ManifestSchema, ...errorResponses } } }, async (request) => {
    const cid = parseCid(request.params.cid)
    return manifestView(cid.toString(), await node.shards.manifest(cid))
  })
}
