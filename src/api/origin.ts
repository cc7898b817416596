import type { FastifyRequest } from 'fastify'
import { AppError } from '../errors/index.js'

/** The origin a page served by this API has: `http://<Host>` (the default port 80 left out, as browsers do). */
export function ownOrigin (host: string): string {
  return `http://${host.toLowerCase().replace(/:80$/, '')}`
}

/**
 * Refuses every request that carries an `Origin` other than the API's own, whatever its
 * method: browsers send `Origin` on cross-origin fetches (GETs included), on every POST, and
 * `Origin: null` from sandboxed documents — such as user content served under
 * `Content-Security-Policy: sandbox`. Pages of the API's own origin (the dashboard) and
 * non-browser clients (curl, the CLI, kubo-rpc-client, which send no Origin) pass.
 */
export function checkOrigin (request: FastifyRequest): void {
  const origin = request.headers.origin
  if (origin === undefined) return
  const host = request.headers.host
  if (host !== undefined && origin.toLowerCase() === ownOrigin(host)) return
  const shown = origin.length > 100 ? origin.slice(0, 100) + '…' : origin
  throw new AppError('FORBIDDEN_ORIGIN', `request from the web origin "${shown}" refused: only pages of this API's own origin may use it`)
}
