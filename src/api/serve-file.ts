import { Readable } from 'node:stream'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { AppError } from '../errors/index.js'
import type { OpenedFile } from '../unixfs/reader.js'
import { parseRange } from './range.js'

/** Options of `serveFile`. */
export interface ServeOptions {
  contentType: string
  /** A byte window from the query (`offset`/`length`), applied when there is no Range header. */
  window?: { offset?: number, length?: number }
}

/**
 * Serves an opened file: `Content-Length`, `ETag` = the CID, immutable caching (content under a
 * CID never changes), `If-None-Match` → 304, a single `Range` → 206 or 416. The body is pulled
 * from the reader as the socket drains, so a slow client holds a bounded amount of memory.
 */
export function serveFile (request: FastifyRequest, reply: FastifyReply, file: OpenedFile, options: ServeOptions): FastifyReply {
  const etag = `"${file.cid.toString()}"`
  reply.header('ETag', etag)
  reply.header('Cache-Control', 'public, max-age=29030400, immutable')
  reply.header('Accept-Ranges', 'bytes')
  reply.header('X-Ipfs-Path', `/ipfs/${file.cid.toString()}`)
  reply.type(options.contentType)
  if (request.headers['if-none-match'] === etag) return reply.code(304).send()
  let start = 0
  let length = file.size
  const range = parseRange(request.headers.range, file.size)
  if (range === 'unsatisfiable') {
    reply.header('Content-Range', `bytes */${file.size}`)
    throw new AppError('RANGE_NOT_SATISFIABLE', `range "${request.headers.range ?? ''}" is outside the ${file.size}-byte file`, { details: { size: file.size } })
  }
  if (range !== undefined) {
    start = range.start
    length = range.end - range.start + 1
    reply.code(206).header('Content-Range', `bytes ${range.start}-${range.end}/${file.size}`)
  } else if (options.window !== undefined) {
    start = options.window.offset ?? 0
    if (start > file.size) {
      throw new AppError('RANGE_NOT_SATISFIABLE', `offset ${start} is past the end of the ${file.size}-byte file`, { details: { size: file.size } })
    }
    length = Math.min(options.window.length ?? file.size, file.size - start)
  }
  reply.header('Content-Length', length)
  if (request.method === 'HEAD' || length === 0) return reply.send()
  const window = { offset: start, length }
  // a file opened by FilesService streams from reused memory (unixfs/file-stream.ts)
  return reply.send(file.stream !== undefined ? file.stream(window) : Readable.from(file.read(window), { objectMode: false, highWaterMark: 1024 * 1024 }))
}
