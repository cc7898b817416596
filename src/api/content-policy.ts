import type { FastifyInstance } from 'fastify'

/**
 * Every response carries `X-Content-Type-Options: nosniff` (a browser renders bytes only as the
 * type we name) and `Content-Security-Policy: sandbox` unless its route is a trusted page of
 * the node (`config.trustedPage`, for the dashboard).
 *
 * The sandbox gives a document an opaque origin, so HTML or SVG added to the node and opened
 * through `/ipfs/…` or `/cat/…` cannot read the API as its own origin; its requests carry
 * `Origin: null`, which the API refuses (origin.ts). No sandbox token is granted: without
 * `allow-scripts` user content runs no script at all (a script in an opaque origin could still
 * probe or post to other services on loopback that do not check origins), and without
 * `allow-forms`/`allow-popups`/`allow-top-navigation` it cannot submit forms or open windows.
 * Static pages (text, images, styles, links) still display. The policy is set for every
 * response rather than per route so that a new route serving user bytes is safe by default.
 */
export function registerContentPolicy (app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    reply.header('X-Content-Type-Options', 'nosniff')
    if (request.routeOptions.config?.trustedPage !== true) reply.header('Content-Security-Policy', 'sandbox')
  })
}
