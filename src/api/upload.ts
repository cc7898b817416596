import type { FastifyRequest } from 'fastify'
import type { Multipart, MultipartFile } from '@fastify/multipart'
import { AppError } from '../errors/index.js'
import { withDeadline } from './body-rate.js'
import { toAppError } from './errors.js'

/** The file of an upload request, as a stream of bytes. */
export interface Upload {
  content: AsyncIterable<Uint8Array>
  /** The multipart filename, when there is one. */
  filename?: string
}

/** Longest file name kept with an upload (as the `name` query parameter), in characters. */
const maxNameLength = 255

/** Longest path of one entry of a kubo multi-file upload, in characters. */
const maxPathLength = 4096

/** Fails early with 413 when the declared length already exceeds the limit. */
export function checkDeclaredLength (request: FastifyRequest, maxBytes: number): void {
  const declared = Number(request.headers['content-length'])
  if (Number.isFinite(declared) && declared > maxBytes) {
    throw new AppError('BODY_TOO_LARGE', `upload of ${declared} bytes exceeds the limit of ${maxBytes} bytes (api.maxBodyBytes)`)
  }
}

/** True when the request body is multipart/form-data. */
export function isMultipart (request: FastifyRequest): boolean {
  return request.isMultipart()
}

/**
 * What a multipart parse failure becomes: busboy reports a malformed body (no boundary, a bad
 * part header, a body cut short) as plain Errors, which are the client's fault, so 400; a
 * client gone, a limit hit or our own codes keep their meaning.
 */
function multipartError (err: unknown): AppError {
  const mapped = toAppError(err)
  if (mapped.code !== 'INTERNAL') return mapped
  return new AppError('INVALID_PARAMETER', `malformed multipart body: ${(err as Error).message ?? String(err)}`)
}

/** The parts of a multipart request, read under the body-rate deadline, parse errors as 400. */
async function * partsOf (request: FastifyRequest, limits: { fileSize: number, files: number, fields: number }): AsyncGenerator<Multipart> {
  try {
    yield * withDeadline(request.parts({ limits }), request.bodyDeadline)
  } catch (err) {
    throw multipartError(err)
  }
}

/** The raw request body as bytes (Fastify hands it over as the request stream). */
function rawBody (request: FastifyRequest): AsyncIterable<Uint8Array> {
  const body = request.body as AsyncIterable<Uint8Array> | undefined
  if (typeof body?.[Symbol.asyncIterator] !== 'function') throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'the body could not be read as a byte stream')
  return withDeadline(body, request.bodyDeadline)
}

/**
 * The uploaded file of `POST /add`: the raw body for any non-multipart content type (curl's
 * `--data-binary` sends `application/x-www-form-urlencoded`), or the multipart part named
 * `file`. Nothing is buffered: the importer pulls the bytes off the socket.
 */
export async function fileUpload (request: FastifyRequest, maxBytes: number): Promise<Upload> {
  checkDeclaredLength(request, maxBytes)
  if (!isMultipart(request)) return { content: rawBody(request) }
  for await (const part of partsOf(request, { fileSize: maxBytes, files: 64, fields: 64 })) {
    if (part.type !== 'file') continue
    if (part.fieldname !== 'file') { part.file.resume(); continue }
    if (part.filename.length > maxNameLength) throw new AppError('INVALID_PARAMETER', `the file name is longer than ${maxNameLength} characters`)
    return { content: failOnLimit(part, maxBytes, request.bodyDeadline), ...(part.filename !== '' ? { filename: part.filename } : {}) }
  }
  throw new AppError('MISSING_FILE', 'multipart body has no part named "file"')
}

/**
 * The part's stream, failing with BODY_TOO_LARGE when busboy hits the size limit (by itself it
 * would just end the stream early, and the truncated file would be imported as if complete),
 * with REQUEST_TIMEOUT when the body is too slow, and with 400 when the body is malformed.
 */
async function * failOnLimit (part: MultipartFile, maxBytes: number, deadline: AbortSignal | undefined): AsyncGenerator<Uint8Array> {
  const tooLarge = (): AppError => new AppError('BODY_TOO_LARGE', `upload exceeds the limit of ${maxBytes} bytes (api.maxBodyBytes)`)
  part.file.once('limit', () => { part.file.destroy(tooLarge()) })
  try {
    for await (const chunk of withDeadline<Uint8Array>(part.file, deadline)) {
      if (part.file.truncated) throw tooLarge()
      yield chunk
    }
  } catch (err) {
    throw multipartError(err)
  }
  if (part.file.truncated) throw tooLarge()
}

/** One part of a kubo-style multi-file upload (`file`, `file-1`, `dir-2`, …). */
export interface UploadEntry {
  path: string
  content?: AsyncIterable<Uint8Array>
}

const kuboField = /^(file|dir)(-\d+)?(\?.*)?$/

/**
 * The parts of a kubo `add` request in order. Filenames arrive percent-encoded (kubo-rpc-client
 * encodes `/` as `%2F`); directory parts have type application/x-directory and no content.
 */
export async function * kuboUploadEntries (request: FastifyRequest, maxBytes: number): AsyncGenerator<UploadEntry> {
  checkDeclaredLength(request, maxBytes)
  if (!isMultipart(request)) throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'kubo add expects multipart/form-data')
  for await (const part of partsOf(request, { fileSize: maxBytes, files: 100000, fields: 1000 })) {
    if (part.type !== 'file' || !kuboField.test(part.fieldname)) {
      if (part.type === 'file') part.file.resume()
      continue
    }
    const file = part as MultipartFile
    let path: string
    try { path = decodeURIComponent(file.filename) } catch { throw new AppError('INVALID_PATH', `bad file name "${file.filename.slice(0, 100)}"`) }
    if (path.length > maxPathLength || path.split('/').some(segment => segment.length > maxNameLength)) {
      throw new AppError('INVALID_PATH', `a file path is longer than ${maxPathLength} characters or has a name longer than ${maxNameLength}`)
    }
    if (file.mimetype === 'application/x-directory') {
      file.file.resume()
      yield { path }
    } else {
      yield { path, content: failOnLimit(file, maxBytes, request.bodyDeadline) }
    }
  }
}
