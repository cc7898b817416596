import { timingSafeEqual, createHash } from 'node:crypto'
import { isIP } from 'node:net'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { AppError } from '../errors/index.js'

/** What the security hook enforces (from `api.*` config). */
export interface SecurityOptions {
  /** Bearer token; empty means no token (then the API must listen on loopback). */
  token: string
  /** Let GET/HEAD on the read-only routes through without the token. */
  publicGateway: boolean
}

/** Routes readable without a token when `api.publicGateway` is on, or always (health, spec). */
const alwaysPublic = ['/health', '/openapi.json']
const gatewayPrefixes = ['/ipfs/', '/cat/', '/ls/']

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
  const path = request.url.split('?')[0] ?? ''
  if (alwaysPublic.includes(path)) return true
  return options.publicGateway && (request.method === 'GET' || request.method === 'HEAD') && gatewayPrefixes.some(p => path.startsWith(p))
}

/**
 * Installs the request guard: with a token, every request but the public ones needs
 * `Authorization: Bearer <token>` (compared in constant time). Without one (loopback only), two
 * browser attacks are refused: a state-changing request from a web page (it carries `Origin`)
 * and DNS rebinding (a `Host` that is not a loopback name).
 */
export function registerSecurity (app: FastifyInstance, options: SecurityOptions): void {
  const expected = digest(`Bearer ${options.token}`)
  app.addHook('onRequest', async request => {
    if (options.token !== '') {
      if (isPublic(request, options)) return
      const given = digest(request.headers.authorization ?? '')
      if (!timingSafeEqual(given, expected)) throw new AppError('UNAUTHORIZED', 'missing or wrong API token: send "Authorization: Bearer <api.token>"')
      return
    }
    if (request.headers.host !== undefined && !isLoopbackHost(hostName(request))) {
      throw new AppError('FORBIDDEN_HOST', `requests must use a loopback host name, not "${hostName(request)}"`)
    }
    if (request.method !== 'GET' && request.method !== 'HEAD' && request.headers.origin !== undefined) {
      throw new AppError('FORBIDDEN_ORIGIN', `cross-origin ${request.method} from ${request.headers.origin} refused`)
    }
  })
}
