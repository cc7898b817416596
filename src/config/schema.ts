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

const Decimal = (description: string): ReturnType<typeof Type.String> => Type.String({ pattern: '^(0|[1-9][0-9]{0,77})$', description })

const NetworkConfig = Type.Object({
  listen: Type.Array(Type.String(), { description: 'libp2p listen multiaddrs' }),
  announce: Type.Array(Type.String(), { description: 'multiaddrs announced to peers instead of the listen addresses (empty: listen addresses)' }),
  bootstrap: Type.Array(Type.String(), { description: 'multiaddrs (with /p2p/<peer id>) dialled at start' }),
  protocolPrefix: Type.String({ pattern: '^/[a-z0-9-]+$', description: 'prefix of the Kad-DHT protocol: only nodes with the same prefix form a network' })
}, { additionalProperties: false })

const Duration = (description: string): ReturnType<typeof Type.String> => Type.String({ pattern: '^[0-9]+(ms|s|m|h|d)$', description })

const HostConfig = Type.Object({
  enabled: Type.Boolean({ description: 'sell storage (also `daemon --host`)' }),
  price: Decimal('price per GiB per 30-day month, in BTT base units (1 BTT = 10^18)'),
  capacity: Type.Integer({ minimum: 0, description: 'bytes of shard data this host accepts in total' }),
  minDuration: Type.Integer({ minimum: 1, description: 'shortest contract accepted, in days' }),
  maxDuration: Type.Integer({ minimum: 1, description: 'longest contract accepted, in days' }),
  collateral: Decimal('collateral the host stakes per contract, in BTT base units (advertised)'),
  adTtl: Type.Integer({ minimum: 10, description: 'seconds a signed host ad stays valid' }),
  reprovideInterval: Type.Integer({ minimum: 1, description: 'seconds between re-signing the ad and re-providing it on the DHT' }),
  expiryGrace: Duration('how long a shard is kept after its last contract ended, before it is deleted'),
  selfCheckInterval: Duration('time between two self-check passes that re-hash every stored shard against its CID and Merkle root (0s: off)'),
  selfCheckRate: Type.Integer({ minimum: 0, description: 'cap on self-check disk reads, bytes per second (0: none)' }),
  minChallengeInterval: Duration('shortest mean challenge interval a contract may ask for (the signed policy binds both sides)'),
  reservationTimeout: Duration('a contract whose shard has not arrived this long after signing is failed and its space released'),
  maxPendingPerPeer: Type.Integer({ minimum: 1, maximum: 100000, description: 'contracts one peer may have signed and not yet filled' }),
  maxPending: Type.Integer({ minimum: 1, maximum: 1000000, description: 'contracts all peers together may have signed and not yet filled' })
}, { additionalProperties: false })

const StorageConfig = Type.Object({
  duration: Type.Integer({ minimum: 1, description: 'contract duration of an upload when the request gives none, in days' }),
  maxPrice: Decimal('highest price per GiB-month accepted from a host when the request gives none, in BTT base units'),
  retrieveExtra: Type.Integer({ minimum: 0, maximum: 256, description: 'shards fetched beyond k when rebuilding from hosts (the first k verified win)' }),
  uploadRate: Type.Integer({ minimum: 0, description: 'cap on upload bytes per second to hosts, all shards together (0: none)' }),
  hostsRefresh: Type.Integer({ minimum: 1, description: 'seconds a discovered host list is reused before asking the DHT again' }),
  maxAttempts: Type.Integer({ minimum: 1, description: 'hosts tried per shard before the upload fails' }),
  repairThreshold: Type.Integer({ minimum: 0, description: 'repair a file when fewer of its shards are healthy (0: k + ceil(m / 2))' }),
  repairInterval: Duration('time between two checks of every uploaded file for shards to repair or contracts to renew'),
  autoRenew: Type.Boolean({ description: 'renew contracts with the same host before they end' }),
  renewBefore: Duration('renew a contract when less than this is left of it')
}, { additionalProperties: false })

const ProofsConfig = Type.Object({
  interval: Duration('mean time between two challenges of a contract (random, exponential), e.g. 1h or 2s'),
  timeout: Duration('how long a host has to answer a challenge'),
  leaves: Type.Integer({ minimum: 1, maximum: 64, description: 'leaves asked per challenge (c)' }),
  maxFailures: Type.Integer({ minimum: 1, description: 'consecutive failed or missed rounds that mark a contract failed' })
}, { additionalProperties: false })

const WalletConfig = Type.Object({
  chainId: Type.Integer({ minimum: 1, description: 'chain id in the TIP-712 domain of ads and contracts (TRON mainnet 728126428)' })
}, { additionalProperties: false })

const NoChainConfig = Type.Object({
  kind: Type.Literal('none', { description: 'no chain: cheques are signed, verified and kept, shown as uncashed' })
}, { additionalProperties: false })

const TronAddress = (description: string): ReturnType<typeof Type.String> => Type.String({ pattern: '^T[1-9A-HJ-NP-Za-km-z]{33}$', description })

const TronChainConfig = Type.Object({
  kind: Type.Literal('tron'),
  fullHost: Type.String({ minLength: 1, description: 'TRON full node HTTP API, e.g. https://api.trongrid.io' }),
  apiKey: Type.Optional(Type.String({ description: 'TronGrid API key (sent as TRON-PRO-API-KEY; env BTFS_TS_TRON_API_KEY overrides)' })),
  token: TronAddress('the BTT TRC-20 contract (mainnet TAFjULxiVgT4qWk6UZwjqwZXTSaGaqnVp4)'),
  vault: Type.Optional(TronAddress("a renter's vault contract (src/settlement/vault/Vault.sol), which its cheques draw on")),
  feeLimit: Type.Optional(Type.Integer({ minimum: 1, description: 'most TRX (in sun) one transaction may burn' }))
}, { additionalProperties: false })

const SettlementConfig = Type.Object({
  chain: Type.Union([NoChainConfig, TronChainConfig], { description: 'where cheques are cashed: none (default) or tron' }),
  grace: Duration('a renter that sent no cheque for this long after its host answered a challenge is overdue: no new contracts, challenges and reads refused')
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
  network: NetworkConfig,
  host: HostConfig,
  storage: StorageConfig,
  proofs: ProofsConfig,
  wallet: WalletConfig,
  settlement: SettlementConfig,
  log: LogConfig
}, { additionalProperties: false })

/** A complete, validated node configuration. */
export type Config = Static<typeof ConfigSchema>
