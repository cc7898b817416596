import { timingSafeEqual, createHash } from 'node:crypto'
import { isIP } from 'node:net'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { AppError } from '../errors/index.js'
import { checkOrigin } from './origin.js'
import './route-config.js'

/** What the security hook enforces (from `api.*` config and the daemon's cookie). */
export interface SecurityOptions {
  /** Bearer token; empty means no token (then the API must listen on loopback). */
  token: string
  /** Let GET/HEAD on the read-only routes through without the token. */
  publicGateway: boolean
  /**
   * The API cookie (src/repo/api-cookie.ts): a second credential, held by the daemon's own
   * user. Without it (in-process apps) privileged routes need the token.
   */
  cookie?: string
}

/** Route patterns readable without a token: always (health, spec), or with `api.publicGateway` (GET/HEAD). */
const alwaysPublic = new Set(['/health', '/openapi.json'])
const gatewayRoutes = new Set(['/ipfs/*', '/cat/:cid', '/ls/:cid'])

/** True for 127.0.0.0/8, ::1, and `localhost`. */
export function isLoopbackHost (host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase()
  if (h === 'localhost' || h.endsWith('.localhost')) return true
  if (isIP(h) === 4) return h.startsWith('127.')
  if (isIP(h) === 6) return h === '::1' || h.startsWith('::ffff:127.')
  return false
}

/** Splits `host:port` (or `[v6]:port`); throws CONFIG_INVALID on anything else. */
export function parseHostPort (address: string): { host: string, port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(address.trim())
  const port = Number(match?.[3])
  if (match === null || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new AppError('CONFIG_INVALID', `API address "${address}" is not host:port (e.g. 127.0.0.1:5001)`)
  }
  return { host: (match[1] ?? match[2]) as string, port }
}

/**
 * Refuses to expose the API beyond loopback without a token: an open API lets anyone on the
 * network add, pin and delete.
 */
export function assertSafeBinding (host: string, token: string): void {
  if (!isLoopbackHost(host) && token === '') {
    throw new AppError('CONFIG_INVALID', `the API would listen on ${host}, which is not loopback: set api.token first (every request must then carry "Authorization: Bearer <token>")`)
  }
}

function digest (value: string): Buffer {
  return createHash('sha256').update(value).digest()
}

function hostName (request: FastifyRequest): string {
  const host = request.headers.host ?? ''
  return host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : (host.split(':')[0] ?? '')
}

function isPublic (request: FastifyRequest, options: SecurityOptions): boolean {
  // The matched route pattern, not the raw URL: `/cat/..%2Fwallet` must not pass as a gateway read.
  const route = request.routeOptions.url ?? ''
  if (alwaysPublic.has(route)) return true
  return options.publicGateway && (request.method === 'GET' || request.method === 'HEAD') && gatewayRoutes.has(route)
}

/**
 * Installs the request guard, in this order:
 * - without a token (loopback only), a `Host` that is not a loopback name is refused (DNS
 *   rebinding);
 * - any `Origin` but the API's own is refused, on every method (see origin.ts);
 * - with a token, every request but the public ones needs `Authorization: Bearer <token>` (or
 *   the cookie); without one, privileged routes (`config.privileged`) need the cookie.
 * Credentials are compared in constant time (as SHA-256 digests, so lengths leak nothing).
 */
export function registerSecurity (app: FastifyInstance, options: SecurityOptions): void {
  const credentials = [options.token, options.cookie ?? ''].filter(c => c !== '').map(c => digest(`Bearer ${c}`))
  const authorized = (request: FastifyRequest): boolean => {
    const given = digest(request.headers.authorization ?? '')
    let ok = false
    for (const expected of credentials) ok = timingSafeEqual(given, expected) || ok
    return ok
  }
  app.addHook('onRequest', async request => {
    if (options.token === '' && request.headers.host !== undefined && !isLoopbackHost(hostName(request))) {
      throw new AppError('FORBIDDEN_HOST', `requests must use a loopback host name, not "${hostName(request).slice(0, 100)}"`)
    }
    checkOrigin(request)
    if (options.token !== '') {
      if (isPublic(request, options) || authorized(request)) return
      throw new AppError('UNAUTHORIZED', 'missing or wrong API token: send "Authorization: Bearer <api.token>"')
    }
    if (request.routeOptions.config?.privileged === true && !authorized(request)) {
      throw new AppError('UNAUTHORIZED', 'this route reads or writes files of the daemon or spends from its wallet: send "Authorization: Bearer <the contents of <repo>/api.cookie>" (the CLI does) or set api.token')
    }
  })
}
