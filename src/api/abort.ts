import type { FastifyRequest } from 'fastify'
import { AppError } from '../errors/index.js'

/**
 * An AbortSignal that fires when the client goes away before its request body is complete, so
 * work done on its behalf (an import, a DAG walk) stops and cleans up. (A response the client
 * stops reading ends by itself: the socket destroys the stream, which returns the reader.)
 */
export function abortSignalOf (request: FastifyRequest): AbortSignal {
  const controller = new AbortController()
  const abort = (): void => { controller.abort(new AppError('REQUEST_ABORTED')) }
  request.raw.once('close', () => { if (!request.raw.complete) abort() })
  return controller.signal
}
