import { Readable } from 'node:stream'
import type { FastifyReply } from 'fastify'
import { AppError } from '../../errors/index.js'
import type { ApiInstance, RouteOptions } from '../context.js'
import { kuboUploadEntries } from '../upload.js'
import { abortSignalOf } from '../abort.js'
import { nodeIdentity, versionInfo } from '../../node-info.js'
import { parseBool, parseCidVersion, resolveImportParams } from '../../unixfs/params.js'
import { parseIpfsPath } from '../../unixfs/ipfs-path.js'
import type { ListedPin } from '../../pins/pin-service.js'

type Query = Record<string, string | string[] | undefined>

/** kubo's `arg=` values (repeatable). */
function args (query: Query): string[] {
  const value = query.arg
  return value === undefined ? [] : Array.isArray(value) ? value : [value]
}

function one (query: Query, name: string): string | undefined {
  const value = query[name]
  return Array.isArray(value) ? value.at(-1) : value
}

function firstArg (query: Query, what: string): string {
  const [arg] = args(query)
  if (arg === undefined) throw new AppError('INVALID_PARAMETER', `argument "${what}" is required`)
  return arg
}

function bool (query: Query, name: string, fallback: boolean): boolean {
  return parseBool(name, one(query, name)) ?? fallback
}

/** A non-negative integer in plain decimal digits (as the schema routes check: no `1e3`, `0x10`). */
function nonNegative (query: Query, name: string): number | undefined {
  const raw = one(query, name)
  if (raw === undefined || raw === '') return undefined
  const value = Number(raw)
  if (!/^(0|[1-9][0-9]*)$/.test(raw) || !Number.isSafeInteger(value)) {
    throw new AppError('INVALID_PARAMETER', `cannot specify negative or non-integer ${name}: "${raw.length > 40 ? raw.slice(0, 40) + '…' : raw}"`)
  }
  return value
}

function ndjson (reply: FastifyReply, lines: unknown[]): FastifyReply {
  reply.header('X-Chunked-Output', '1')
  return reply.type('application/json').send(lines.map(l => JSON.stringify(l) + '\n').join(''))
}

/**
 * The subset of kubo's RPC API (`POST /api/v0/...`) that kubo-rpc-client needs for add, cat,
 * pin add/rm/ls, id, version and block get/stat — same parameters (`arg=`, kebab-case flags,
 * unknown ones ignored), same bodies (NDJSON with string `Size`), kubo's error body. Every check
 * runs before the status line is sent: kubo clients ignore errors that arrive mid-stream.
 */
export async function kuboRoutes (app: ApiInstance, options: RouteOptions): Promise<void> {
  const { node } = options

  app.post('/api/v0/add', async (request, reply) => {
    const q = request.query as Query
    const params = resolveImportParams({
      cidVersion: parseCidVersion(one(q, 'cid-version')) ?? 0,
      rawLeaves: parseBool('raw-leaves', one(q, 'raw-leaves')),
      chunker: one(q, 'chunker')
    }, { ...node.config.add, cidVersion: 0 })
    if ((one(q, 'hash') ?? 'sha2-256') !== 'sha2-256') throw new AppError('INVALID_PARAMETER', 'only hash=sha2-256 is supported')
    if (bool(q, 'trickle', false)) throw new AppError('INVALID_PARAMETER', 'trickle layout is not supported: the balanced layout is used')
    const progress = bool(q, 'progress', false)
    const signal = abortSignalOf(request)
    const entries = kuboUploadEntries(request, node.config.api.maxBodyBytes)
    const addOptions = { params, pin: bool(q, 'pin', true), wrapWithDirectory: bool(q, 'wrap-with-directory', false), signal, maxBytes: node.config.api.maxBodyBytes }
    // kubo names an unnamed file after its CID, and the wrapping directory ""
    const lineOf = (r: { path: string, cid: { toString: () => string }, dagSize: number }): unknown =>
      ({ Name: r.path !== '' ? r.path : addOptions.wrapWithDirectory ? '' : r.cid.toString(), Hash: r.cid.toString(), Size: String(r.dagSize) })
    const noFile = (): AppError => new AppError('MISSING_FILE', 'the multipart body has no file or dir part')
    if (!progress) {
      const results = await node.files.addAll(entries, addOptions)
      if (results.length === 0) throw noFile()
      return ndjson(reply, results.map(lineOf))
    }
    // progress lines must flow while the upload runs, so the status line goes out first
    reply.hijack()
    const raw = reply.raw
    raw.writeHead(200, { 'Content-Type': 'application/json', 'X-Chunked-Output': '1', 'Trailer': 'X-Stream-Error' })
    let lastReported = 0
    try {
      const results = await node.files.addAll(entries, {
        ...addOptions,
        onEntryProgress: (path, bytes, done) => {
          if (!done && bytes - lastReported < 256 * 1024) return
          lastReported = bytes
          raw.write(JSON.stringify({ Name: path, Bytes: bytes }) + '\n')
        }
      })
      if (results.length === 0) throw noFile()
      for (const r of results) raw.write(JSON.stringify(lineOf(r)) + '\n')
      raw.end()
    } catch (err) {
      raw.addTrailers({ 'X-Stream-Error': (err as Error).message.replace(/[\r\n]/g, ' ') })
      raw.end()
    }
  })

  app.post('/api/v0/cat', async (request, reply) => {
    const q = request.query as Query
    const file = await node.files.open(parseIpfsPath(firstArg(q, 'ipfs-path')), abortSignalOf(request))
    const offset = Math.min(nonNegative(q, 'offset') ?? 0, file.size)
    const length = Math.min(nonNegative(q, 'length') ?? file.size, file.size - offset)
    reply.header('X-Stream-Output', '1').header('X-Content-Length', String(file.size)).header('Content-Length', length).type('text/plain')
    if (length === 0) return reply.send('')
    return reply.send(Readable.from(file.read({ offset, length })))
  })

  app.post('/api/v0/pin/add', async (request, reply) => {
    const q = request.query as Query
    const list = args(q)
    if (list.length === 0) throw new AppError('INVALID_PARAMETER', 'argument "ipfs-path" is required')
    const signal = abortSignalOf(request)
    const name = one(q, 'name')
    const pinned: string[] = []
    for (const arg of list) {
      const cid = await node.files.resolve(parseIpfsPath(arg), signal)
      await node.pins.add(cid, { recursive: bool(q, 'recursive', true), signal, ...(name !== undefined && name !== '' ? { name } : {}) })
      pinned.push(cid.toString())
    }
    return await reply.type('application/json').send({ Pins: pinned })
  })

  app.post('/api/v0/pin/rm', async (request, reply) => {
    const q = request.query as Query
    const list = args(q)
    if (list.length === 0) throw new AppError('INVALID_PARAMETER', 'argument "ipfs-path" is required')
    const removed: string[] = []
    for (const arg of list) {
      const cid = await node.files.resolve(parseIpfsPath(arg), abortSignalOf(request))
      await node.pins.rm(cid, { recursive: bool(q, 'recursive', true) })
      removed.push(cid.toString())
    }
    return await reply.type('application/json').send({ Pins: removed })
  })

  app.post('/api/v0/pin/ls', async (request, reply) => {
    const q = request.query as Query
    const type = one(q, 'type') ?? 'all'
    if (!['all', 'recursive', 'direct', 'indirect'].includes(type)) {
      throw new AppError('INVALID_PARAMETER', `invalid type '${type}', must be one of {direct, indirect, recursive, all}`)
    }
    const signal = abortSignalOf(request)
    const cids = await Promise.all(args(q).map(async a => await node.files.resolve(parseIpfsPath(a), signal)))
    const pins: ListedPin[] = []
    for await (const pin of node.pins.ls({ type: type as ListedPin['type'] | 'all', ...(cids.length > 0 ? { cids } : {}), signal })) pins.push(pin)
    if (bool(q, 'stream', false)) {
      return ndjson(reply, pins.map(p => ({ Cid: p.cid, Type: p.type, ...(p.name !== undefined ? { Name: p.name } : {}) })))
    }
    return await reply.type('application/json').send({ Keys: Object.fromEntries(pins.map(p => [p.cid, { Type: p.type, Name: p.name ?? '' }])) })
  })

  app.post('/api/v0/id', async (_request, reply) => {
    const id = nodeIdentity(node.repo.identity, options.addresses())
    return await reply.type('application/json').send({
      ID: id.id,
      PublicKey: id.publicKey,
      Addresses: id.addresses.map(a => `${a}/p2p/${id.id}`),
      AgentVersion: id.agentVersion,
      Protocols: []
    })
  })

  app.post('/api/v0/version', async (_request, reply) => {
    const v = versionInfo()
    return await reply.type('application/json').send({ Version: v.version, Commit: '', Repo: String(v.repo), System: v.system, Golang: '', Node: v.node })
  })

  app.post('/api/v0/block/get', async (request, reply) => {
    const cid = await node.files.resolve(parseIpfsPath(firstArg(request.query as Query, 'cid')), abortSignalOf(request))
    const bytes = await node.blocks.get(cid)
    return await reply.type('application/vnd.ipld.raw').header('X-Stream-Output', '1').send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))
  })

  app.post('/api/v0/block/stat', async (request, reply) => {
    const cid = await node.files.resolve(parseIpfsPath(firstArg(request.query as Query, 'cid')), abortSignalOf(request))
    const size = await node.blocks.size(cid)
    if (size === undefined) throw new AppError('BLOCK_NOT_FOUND', `block ${cid.toString()} was not found locally`)
    return await reply.type('application/json').send({ Key: cid.toString(), Size: size })
  })
}
