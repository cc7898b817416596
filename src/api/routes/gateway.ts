import mime from 'mime-types'
import Type from 'typebox'
import type { ApiInstance, RouteOptions } from '../context.js'
import { serveFile } from '../serve-file.js'
import { parseIpfsPath } from '../../unixfs/ipfs-path.js'
import { abortSignalOf } from '../abort.js'
import { isAppError } from '../../errors/index.js'

function escapeHtml (text: string): string {
  return text.replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`)
}

/**
 * GET|HEAD /ipfs/<cid>[/<path>]: a read-only path gateway. Files are served with Range support
 * and a Content-Type guessed from the file name; a directory serves its index.html when it has
 * one, else a listing (HTML, or JSON when the client accepts only JSON).
 */
export async function gatewayRoutes (app: ApiInstance, { node }: RouteOptions): Promise<void> {
  app.route({
    method: ['GET', 'HEAD'],
    url: '/ipfs/*',
    schema: { params: Type.Object({ '*': Type.String() }) },
    handler: async (request, reply) => {
      const signal = abortSignalOf(request)
      const path = parseIpfsPath(request.params['*'])
      const cid = await node.files.resolve(path, signal)
      const file = await node.files.open({ cid, segments: [] }, signal).catch(err => {
        if (isAppError(err, 'NOT_A_FILE')) return undefined
        throw err
      })
      if (file !== undefined) {
        const contentType = mime.lookup(path.segments.at(-1) ?? '')
        return serveFile(request, reply, file, { contentType: contentType === false ? 'application/octet-stream' : contentType })
      }
      const listing = await node.files.ls({ cid, segments: [] }, signal)
      if (listing.links.some(l => l.name === 'index.html')) {
        return serveFile(request, reply, await node.files.open({ cid, segments: ['index.html'] }, signal), { contentType: 'text/html; charset=utf-8' })
      }
      reply.header('ETag', `"${listing.cid}"`).header('Cache-Control', 'public, max-age=29030400, immutable')
      if (request.headers.accept === 'application/json') return await reply.type('application/json').send(listing)
      const base = '/ipfs/' + [path.cid.toString(), ...path.segments.map(encodeURIComponent)].join('/')
      const rows = listing.links.map(l => `<li><a href="${escapeHtml(base + '/' + encodeURIComponent(l.name))}">${escapeHtml(l.name)}</a> ${l.type} ${l.size}</li>`)
      return await reply.type('text/html; charset=utf-8').send(`<!doctype html><meta charset="utf-8"><title>${escapeHtml(base)}</title><h1>${escapeHtml(base)}</h1><ul>${rows.join('')}</ul>\n`)
    }
  })
}
