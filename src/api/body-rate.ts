import type { FastifyInstance, FastifyRequest } from 'fastify'
import { AppError } from '../errors/index.js'

/** `api.minBodyRate` and `api.bodyRateWindow`: the slowest request body accepted. */
export interface BodyRateOptions {
  /** Bytes per second (0: off). */
  minRate: number
  /** The rate is averaged over this much time spent waiting for the client, in ms (0: off). */
  windowMs: number
}

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * Aborted (with REQUEST_TIMEOUT) when the body arrives slower than api.minBodyRate; upload
     * readers race on it through `withDeadline` so a stalled read ends with a 408.
     */
    bodyDeadline?: AbortSignal
  }
}

function hasBody (request: FastifyRequest): boolean {
  const length = request.headers['content-length']
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')
}

/**
 * Cuts request bodies that arrive slower than `minRate` (one byte every 20 s keeps a socket and
 * an import open forever otherwise). Time counts only while the node is waiting for the client:
 * every tick, if the request stream holds no unread bytes (the reader is starved), the tick's
 * time and the bytes the socket received are added to the window; when the node itself is the
 * bottleneck (disk, hashing) bytes pile up unread and that time is not held against the client.
 * After `windowMs` of such waiting the average must reach `minRate`, else the request's
 * `bodyDeadline` aborts (the upload fails with 408 REQUEST_TIMEOUT and nothing is kept) and the
 * connection ends after the answer, or at once if no answer went out soon. Every request with
 * a body is watched from its first hook, refused ones included (their unread body is still
 * drained by Node, and must not trickle forever either). A slow but steady sender, or
 * one that stalls now and then, passes as long as its average over the window is high enough.
 */
export function registerBodyRate (app: FastifyInstance, options: BodyRateOptions): void {
  if (options.minRate <= 0 || options.windowMs <= 0) return
  const tickMs = Math.max(50, Math.min(1000, Math.floor(options.windowMs / 5)))
  const needed = options.minRate * options.windowMs / 1000
  app.addHook('onRequest', async (request, reply) => {
    const socket = request.raw.socket as typeof request.raw.socket | undefined
    if (!hasBody(request) || typeof socket?.bytesRead !== 'number') return // inject() has no socket
    const controller = new AbortController()
    request.bodyDeadline = controller.signal
    let lastRead = socket.bytesRead
    let lastTick = Date.now()
    let waitedMs = 0
    let received = 0
    const stop = (): void => { clearInterval(timer) }
    const timer = setInterval(() => {
      const now = Date.now()
      const read = socket.bytesRead
      if (request.raw.complete || socket.destroyed) { stop(); return }
      if (request.raw.readableLength === 0) {
        waitedMs += now - lastTick
        received += read - lastRead
      }
      lastTick = now
      lastRead = read
      if (waitedMs < options.windowMs) return
      if (received * options.windowMs / waitedMs >= needed) { waitedMs = 0; received = 0; return }
      stop()
      const rate = Math.round(received * 1000 / waitedMs)
      request.log.debug({ rate, minRate: options.minRate }, 'request body too slow: cut')
      controller.abort(new AppError('REQUEST_TIMEOUT', `the request body arrived at ${rate} bytes/s, below api.minBodyRate (${options.minRate} bytes/s over ${options.windowMs} ms)`))
      // A reader that races on bodyDeadline answers 408 at once (with Connection: close); once an
      // answer is out the rest of the body is not waited for. Without an answer soon, the socket goes.
      const fallback = setTimeout(() => { if (!reply.raw.writableFinished) socket.destroy() }, Math.max(1000, 2 * tickMs))
      fallback.unref()
      reply.raw.once('finish', () => {
        clearTimeout(fallback)
        if (!request.raw.complete) socket.destroySoon()
      })
    }, tickMs)
    timer.unref()
    request.raw.once('close', stop)
  })
}

/**
 * `source` read until `signal` aborts, then failing with its reason at once — even while a
 * read is pending (a stalled socket never answers it). The pending read is abandoned, not
 * cancelled: cancelling a request stream destroys its socket, and the 408 could not be sent.
 * Each read gets its own abort listener, removed when it settles: racing every read against
 * one long-lived promise would keep every chunk read reachable (a 2 GiB upload, 2 GiB of RSS).
 */
export async function * withDeadline<T> (source: AsyncIterable<T>, signal: AbortSignal | undefined): AsyncGenerator<T> {
  if (signal === undefined) { yield * source; return }
  const iterator = source[Symbol.asyncIterator]()
  let timedOut = false
  const next = async (): Promise<IteratorResult<T>> => await new Promise((resolve, reject) => {
    const onAbort = (): void => { timedOut = true; reject(signal.reason) }
    if (signal.aborted) { onAbort(); return }
    signal.addEventListener('abort', onAbort, { once: true })
    iterator.next().then(result => {
      signal.removeEventListener('abort', onAbort)
      resolve(result)
    }, (err: unknown) => {
      signal.removeEventListener('abort', onAbort)
      reject(err)
    })
  })
  let finished = false
  try {
    for (;;) {
      const result = await next()
      if (result.done === true) { finished = true; return }
      yield result.value
    }
  } finally {
    if (!finished && !timedOut) await iterator.return?.()
  }
}
