import type { FastifyInstance, FastifyBaseLogger, RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { BtfsNode } from '../node.js'

/** The Fastify instance type of the API (TypeBox schemas give handlers typed requests). */
export type ApiInstance = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider>

/** What route plugins receive. */
export interface RouteOptions {
  node: BtfsNode
  /** Addresses the node listens on, shown by /id (empty until the network exists). */
  addresses: () => string[]
}
