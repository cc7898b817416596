import Type, { type Static } from 'typebox'

/**
 * The configuration tree of a btfs-ts node. `config/default.json` holds the shipped defaults
 * (a test keeps it valid against this schema); a repo's `config.json` is merged over them, then
 * env and CLI flags. Every key is documented in README's config reference.
 */
const ApiConfig = Type.Object({
  address: Type.String({ description: 'host:port of the HTTP API; loopback unless api.token is set' }),
  token: Type.String({ description: 'bearer token required on every request when non-empty' }),
  publicGateway: Type.Boolean({ description: 'serve GET /ipfs/*, /cat/* and /ls/* without the token' }),
  maxBodyBytes: Type.Integer({ minimum: 1, description: 'largest accepted upload body, in bytes' })
}, { additionalProperties: false })

const AddConfig = Type.Object({
  cidVersion: Type.Union([Type.Literal(0), Type.Literal(1)], { description: 'CID version of POST /add when the query gives none' }),
  rawLeaves: Type.Boolean({ description: 'raw leaves for CIDv1 adds when the query gives none' }),
  chunker: Type.String({ pattern: '^size-[0-9]+$', description: 'chunker of POST /add: size-N' }),
  pin: Type.Boolean({ description: 'pin added files when the query gives none' })
}, { additionalProperties: false })

const BlocksConfig = Type.Object({
  fsync: Type.Boolean({ description: 'fsync block data before an add is acknowledged' })
}, { additionalProperties: false })

const ShardsConfig = Type.Object({
  k: Type.Integer({ minimum: 1, maximum: 256, description: 'data shards: any k of k + m rebuild a file' }),
  m: Type.Integer({ minimum: 0, maximum: 255, description: 'parity shards' }),
  segmentSize: Type.Integer({ minimum: 4096, maximum: 268435456, description: 'plaintext bytes per encrypted, erasure-coded segment' }),
  leafSize: Type.Integer({ minimum: 64, maximum: 1048576, description: 'Merkle leaf size over each shard' })
}, { additionalProperties: false })

const LogConfig = Type.Object({
  level: Type.Union([
    Type.Literal('fatal'), Type.Literal('error'), Type.Literal('warn'), Type.Literal('info'),
    Type.Literal('debug'), Type.Literal('trace'), Type.Literal('silent')
  ], { description: 'log level (env BTFS_TS_LOG overrides)' })
}, { additionalProperties: false })

export const ConfigSchema = Type.Object({
  api: ApiConfig,
  add: AddConfig,
  blocks: BlocksConfig,
  shards: ShardsConfig,
  log: LogConfig
}, { additionalProperties: false })

/** A complete, validated node configuration. */
export type Config = Static<typeof ConfigSchema>
