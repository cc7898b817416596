import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'

/** Limits on connections of the HTTP server (from `api.*`, in ms and counts). */
export interface ServerLimits {
  /** Time to receive a request's line and headers (0: off). */
  headersTimeoutMs: number
  /** A socket with no traffic for this long is closed unless its request is being worked on (0: off). */
  idleTimeoutMs: number
  /** Most connections open at once; more are closed as soon as they are accepted. */
  maxConnections: number
}

/**
 * True when a quiet socket is the node's doing, not the client's: the body is incomplete but
 * bytes sit unread in the request stream (the import is slower than the client, or waits for
 * the GC lock), or the body is complete and nothing is queued for the client (the node is
 * still working on the answer, or producing it slowly). A client that stopped sending, or
 * stopped reading what is queued for it, is not.
 */
function waitingOnUs (req: IncomingMessage, socket: Socket): boolean {
  return req.complete ? socket.writableLength === 0 : req.readableLength > 0
}

/**
 * Puts the limits on a Node HTTP server before it listens. Node checks `headersTimeout` on a
 * clock of its own (`connectionsCheckingInterval`, 30 s by default), so that clock is set to a
 * quarter of the timeout (at most 1 s) to cut slow header senders close to the limit. A request
 * body has no overall time limit (uploads can be 64 GiB); its rate is held up by body-rate.ts.
 *
 * The idle timeout closes sockets on which nothing moved for `idleTimeoutMs`: between requests
 * (keep-alive), a client that stopped sending its body, or one that stopped reading the
 * response. A socket that is quiet because of the node is spared (see waitingOnUs): encoding
 * shards, a GC pass or a rebuild from hosts can take longer than the timeout.
 */
export function applyServerLimits (server: Server, limits: ServerLimits): void {
  server.requestTimeout = 0
  server.headersTimeout = limits.headersTimeoutMs
  if (limits.headersTimeoutMs > 0) {
    (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = Math.max(25, Math.min(1000, Math.floor(limits.headersTimeoutMs / 4)))
  }
  server.maxConnections = limits.maxConnections
  if (limits.idleTimeoutMs <= 0) return
  const inFlight = new WeakMap<Socket, { req: IncomingMessage, res: ServerResponse }>()
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket
    inFlight.set(socket, { req, res })
    res.once('close', () => { if (inFlight.get(socket)?.res === res) inFlight.delete(socket) })
  })
  server.keepAliveTimeout = limits.idleTimeoutMs
  server.setTimeout(limits.idleTimeoutMs, (socket: Socket) => {
    const current = inFlight.get(socket)
    if (current !== undefined && !current.res.writableEnded && waitingOnUs(current.req, socket)) return
    socket.destroy()
  })
}
