import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { AppError, isAppError, type ErrorCode } from '../errors/index.js'

/** The JSON body of every error of the native API. */
export interface ErrorBody {
  code: ErrorCode
  message: string
}

/** The error body kubo's RPC API uses (`/api/v0/*`): kubo clients read `Message`. */
export interface KuboErrorBody {
  Message: string
  Code: number
  Type: 'error'
}

/** Maps anything thrown by a handler, hook or parser to an AppError, once, for every route. */
export function toAppError (err: unknown): AppError {
  if (isAppError(err)) return err
  const e = err as FastifyError & { code?: string }
  if (e.validation !== undefined) return new AppError('INVALID_PARAMETER', e.message)
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
    case 'FST_REQ_FILE_TOO_LARGE':
      return new AppError('BODY_TOO_LARGE', e.message)
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return new AppError('UNSUPPORTED_MEDIA_TYPE', e.message)
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
    case 'FST_PARTS_LIMIT':
    case 'FST_FILES_LIMIT':
    case 'FST_FIELDS_LIMIT':
      return new AppError('INVALID_PARAMETER', e.message)
    case 'ECONNRESET':
    case 'ERR_STREAM_PREMATURE_CLOSE':
      return new AppError('REQUEST_ABORTED')
  }
  if (e.message === 'aborted' || e.name === 'AbortError') return new AppError('REQUEST_ABORTED')
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) return new AppError('INVALID_PARAMETER', e.message)
  return new AppError('INTERNAL', 'internal error', { cause: err })
}

/** True for the kubo-compatible RPC routes, which answer in kubo's error shape. */
function isKuboRoute (request: FastifyRequest): boolean {
  return request.url.startsWith('/api/v0/')
}

/** Sends `err` in the shape the route family uses (never with the cache headers of content). */
export function sendError (request: FastifyRequest, reply: FastifyReply, err: AppError): FastifyReply {
  reply.removeHeader('cache-control').removeHeader('etag').removeHeader('x-ipfs-path')
  // The rest of a body that came too slowly is not waited for: the connection ends with the answer.
  if (err.code === 'REQUEST_TIMEOUT') reply.header('Connection', 'close')
  if (isKuboRoute(request)) {
    const body: KuboErrorBody = { Message: err.message, Code: err.status < 500 ? 1 : 0, Type: 'error' }
    return reply.code(err.status).type('application/json').send(body)
  }
  const body: ErrorBody = { code: err.code, message: err.message }
  return reply.code(err.status).type('application/json').send(body)
}

/** Installs the one error handler and the not-found handler of the app. */
export function registerErrorHandling (app: FastifyInstance): void {
  app.setErrorHandler((err, request, reply) => {
    const mapped = toAppError(err)
    if (mapped.status >= 500) request.log.error({ err }, 'request failed')
    else request.log.debug({ code: mapped.code, msg: mapped.message }, 'request rejected')
    if (reply.sent || reply.raw.headersSent) return
    return sendError(request, reply, mapped)
  })
  app.setNotFoundHandler((request, reply) => {
    return sendError(request, reply, new AppError('ROUTE_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0] ?? ''}`))
  })
}
