import Fastify, { LogController, type FastifyBaseLogger } from 'fastify'
import multipart from '@fastify/multipart'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { BtfsNode } from '../node.js'
import type { Logger } from '../logger.js'
import type { ApiInstance, RouteOptions } from './context.js'
import { registerErrorHandling } from './errors.js'
import { registerSecurity } from './security.js'
import { registerContentPolicy } from './content-policy.js'
import { registerStrictInputs } from './strict-inputs.js'
import { registerBodyRate } from './body-rate.js'
import { ajvFormats } from '../validation/formats.js'
import { durationFormats, durationMs } from '../config/duration.js'
import { filesRoutes } from './routes/files.js'
import { pinRoutes } from './routes/pins.js'
import { infoRoutes } from './routes/info.js'
import { gatewayRoutes } from './routes/gateway.js'
import { kuboRoutes } from './routes/kubo.js'
import { shardRoutes } from './routes/shards.js'
import { networkRoutes, proofRoutes } from './routes/network.js'
import { settlementRoutes } from './routes/settlement.js'

/** A route as registered, for the spec-conformance test and /openapi.json checks. */
export interface RegisteredRoute {
  method: string
  url: string
}

/** Options of `buildApp`. */
export interface AppOptions {
  logger: Logger
  addresses?: () => string[]
  /** The daemon's API cookie (src/repo/api-cookie.ts); absent for in-process apps. */
  cookie?: string
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route this app registered (method + URL pattern). */
    apiRoutes: RegisteredRoute[]
  }
}

/**
 * An ajv plugin for Fastify's validator: the formats shared schemas use (uint256, cid, peer-id,
 * tron-address… from src/validation/formats.ts, and the durations of src/config/duration.ts),
 * so routes check them as the config and wire messages do. (Bodies are also checked by TypeBox
 * first, without ajv's type coercion: see strict-inputs.ts.)
 */
function apiFormats<T extends Parameters<typeof ajvFormats>[0]> (ajv: T): T {
  ajvFormats(ajv)
  for (const [name, validate] of Object.entries(durationFormats)) ajv.addFormat(name, { type: 'string', validate })
  return ajv
}

/**
 * Builds the HTTP API of a node as a Fastify app (no port is opened: `server.ts` listens, tests
 * use `inject()`). Upload bodies of any content type but multipart are passed through as
 * streams, never buffered. Before any route, in this order: the content policy, the body-rate
 * guard (every request with a body, refused ones too), the security hook, and the strict input
 * checks every route gets.
 */
export async function buildApp (node: BtfsNode, options: AppOptions): Promise<ApiInstance> {
  const app = Fastify({
    loggerInstance: options.logger.child({ component: 'api' }) as FastifyBaseLogger,
    exposeHeadRoutes: false,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1000 },
    ajv: { plugins: [apiFormats] }
  }).withTypeProvider<TypeBoxTypeProvider>()
  const routes: RegisteredRoute[] = []
  app.decorate('apiRoutes', routes)
  app.addHook('onRoute', route => {
    for (const method of [route.method].flat()) routes.push({ method, url: route.url })
  })
  registerErrorHandling(app)
  registerContentPolicy(app)
  const api = node.config.api
  registerBodyRate(app, { minRate: api.minBodyRate, windowMs: durationMs(api.bodyRateWindow) ?? 0 })
  registerSecurity(app, { token: api.token, publicGateway: api.publicGateway, ...(options.cookie !== undefined ? { cookie: options.cookie } : {}) })
  registerStrictInputs(app)
  await app.register(multipart, { limits: { fileSize: node.config.api.maxBodyBytes }, throwFileSizeLimit: true })
  app.addContentTypeParser('*', (_request, payload, done) => { done(null, payload) })
  const routeOptions: RouteOptions = { node, addresses: options.addresses ?? (() => []) }
  await app.register(infoRoutes, routeOptions)
  await app.register(filesRoutes, routeOptions)
  await app.register(pinRoutes, routeOptions)
  await app.register(gatewayRoutes, routeOptions)
  await app.register(kuboRoutes, routeOptions)
  await app.register(shardRoutes, routeOptions)
  await app.register(networkRoutes, routeOptions)
  await app.register(proofRoutes, routeOptions)
  await app.register(settlementRoutes, routeOptions)
  return app
}
