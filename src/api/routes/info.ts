import Type from 'typebox'
import type { ApiInstance, RouteOptions } from '../context.js'
import { nodeIdentity, versionInfo } from '../../node-info.js'
import { loadOpenApiSpec } from '../openapi.js'

const IdSchema = Type.Object({
  id: Type.String({ description: 'libp2p peer id (Ed25519)' }),
  publicKey: Type.String({ description: 'public key, protobuf, base64' }),
  addresses: Type.Array(Type.String()),
  agentVersion: Type.String()
})

const VersionSchema = Type.Object({
  name: Type.String(),
  version: Type.String(),
  repo: Type.Integer(),
  node: Type.String(),
  system: Type.String()
})

/** GET /id, /version, /health, /openapi.json. */
export async function infoRoutes (app: ApiInstance, options: RouteOptions): Promise<void> {
  const spec = loadOpenApiSpec()
  app.get('/id', { schema: { response: { 200: IdSchema } } }, async () => nodeIdentity(options.node.repo.identity, options.addresses()))
  app.get('/version', { schema: { response: { 200: VersionSchema } } }, async () => versionInfo())
  app.get('/health', { schema: { response: { 200: Type.Object({ status: Type.Literal('ok') }) } } }, async () => ({ status: 'ok' as const }))
  app.get('/openapi.json', async (_request, reply) => await reply.type('application/json').send(spec))
}
