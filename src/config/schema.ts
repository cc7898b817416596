import Type, { type Static } from 'typebox'
import { Uint256, maxSafe } from '../validation/types.js'
import { ClockDuration, TimerDuration, maxTimerSeconds } from './duration.js'

/** Longest contract duration a node offers or asks for, in days (100 years). */
export const maxContractDays = 36500

/** An integer in [minimum, maximum]; every integer of the config has both bounds. */
const Int = (minimum: number, maximum: number, description: string): ReturnType<typeof Type.Integer> =>
  Type.Integer({ minimum, maximum, description })

/**
 * The configuration tree of a btfs-ts node. `config/default.json` holds the shipped defaults
 * (a test keeps it valid against this schema); a repo's `config.json` is merged over them, then
 * env and CLI flags. Every key is documented in README's config reference.
 */
const ApiConfig = Type.Object({
  address: Type.String({ description: 'host:port of the HTTP API; loopback unless api.token is set' }),
  token: Type.String({ description: 'bearer token required on every request when non-empty' }),
  publicGateway: Type.Boolean({ description: 'serve GET /ipfs/*, /cat/* and /ls/* without the token' }),
  maxBodyBytes: Int(1, maxSafe, 'largest accepted upload body, in bytes'),
  headersTimeout: TimerDuration('time a client has to send the line and headers of a request, from the connection (or the first byte of a later request on it) (0s: off)', { off: true }),
  idleTimeout: TimerDuration('a connection on which nothing moves for this long is closed, unless the node is still working on its request (0s: off); also the keep-alive time between requests', { off: true }),
  minBodyRate: Int(0, maxSafe, 'slowest accepted request body, bytes per second, averaged over api.bodyRateWindow of waiting for the client (0: off)'),
  bodyRateWindow: TimerDuration('the window api.minBodyRate is averaged over (0s: off)', { off: true }),
  maxConnections: Int(1, 1048576, 'most HTTP connections open at once; more are closed as they arrive')
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

/** A BTT amount: a decimal string that fits a uint256 (what a contract or cheque can carry). */
const Decimal = (description: string): ReturnType<typeof Type.String> => Uint256(description)

const NetworkConfig = Type.Object({
  listen: Type.Array(Type.String(), { description: 'libp2p listen multiaddrs' }),
  announce: Type.Array(Type.String(), { description: 'multiaddrs announced to peers instead of the listen addresses (empty: listen addresses)' }),
  bootstrap: Type.Array(Type.String(), { description: 'multiaddrs (with /p2p/<peer id>) dialled at start' }),
  protocolPrefix: Type.String({ pattern: '^/[a-z0-9-]+$', description: 'prefix of the Kad-DHT protocol: only nodes with the same prefix form a network' })
}, { additionalProperties: false })

const HostConfig = Type.Object({
  enabled: Type.Boolean({ description: 'sell storage (also `daemon --host`)' }),
  price: Decimal('price per GiB per 30-day month, in BTT base units (1 BTT = 10^18)'),
  capacity: Int(0, maxSafe, 'bytes of shard data this host accepts in total'),
  minDuration: Int(1, maxContractDays, 'shortest contract accepted, in days'),
  maxDuration: Int(1, maxContractDays, 'longest contract accepted, in days'),
  collateral: Decimal('collateral the host stakes per contract, in BTT base units (advertised)'),
  adTtl: Int(10, maxTimerSeconds, 'seconds a signed host ad stays valid'),
  reprovideInterval: Int(1, maxTimerSeconds, 'seconds between re-signing the ad and re-providing it on the DHT (a timer: at most 2147483)'),
  expiryGrace: ClockDuration('how long a shard is kept after its last contract ended, before it is deleted'),
  selfCheckInterval: TimerDuration('time between two self-check passes that re-hash every stored shard against its CID and Merkle root (0s: off)', { off: true }),
  selfCheckRate: Int(0, maxSafe, 'cap on self-check disk reads, bytes per second (0: none)'),
  minChallengeInterval: TimerDuration('shortest mean challenge interval a contract may ask for (the signed policy binds both sides)'),
  reservationTimeout: TimerDuration('a contract whose shard has not arrived this long after signing is failed and its space released'),
  maxPendingPerPeer: Int(1, 100_000, 'contracts one peer may have signed and not yet filled'),
  maxPending: Int(1, 1_000_000, 'contracts all peers together may have signed and not yet filled')
}, { additionalProperties: false })

const StorageConfig = Type.Object({
  duration: Int(1, maxContractDays, 'contract duration of an upload when the request gives none, in days'),
  maxPrice: Decimal('highest price per GiB-month accepted from a host when the request gives none, in BTT base units'),
  retrieveExtra: Int(0, 256, 'shards fetched beyond k when rebuilding from hosts (the first k verified win)'),
  uploadRate: Int(0, maxSafe, 'cap on upload bytes per second to hosts, all shards together (0: none)'),
  hostsRefresh: Int(1, maxTimerSeconds, 'seconds a discovered host list is reused before asking the DHT again'),
  maxAttempts: Int(1, 1000, 'hosts tried per shard before the upload fails'),
  repairThreshold: Int(0, 256, 'repair a file when fewer of its shards are healthy (0: k + ceil(m / 2))'),
  repairInterval: TimerDuration('time between two checks of every uploaded file for shards to repair or contracts to renew'),
  autoRenew: Type.Boolean({ description: 'renew contracts with the same host before they end' }),
  renewBefore: ClockDuration('renew a contract when less than this is left of it')
}, { additionalProperties: false })

const ProofsConfig = Type.Object({
  interval: TimerDuration('mean time between two challenges of a contract (random, exponential), e.g. 1h or 2s'),
  timeout: TimerDuration('how long a host has to answer a challenge'),
  leaves: Int(1, 64, 'leaves asked per challenge (c)'),
  maxFailures: Int(1, 1000, 'consecutive failed or missed rounds that mark a contract failed')
}, { additionalProperties: false })

const WalletConfig = Type.Object({
  chainId: Int(1, maxSafe, 'chain id in the TIP-712 domain of ads and contracts (TRON mainnet 728126428)')
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
  feeLimit: Type.Optional(Int(1, maxSafe, 'most TRX (in sun) one transaction may burn'))
}, { additionalProperties: false })

const SettlementConfig = Type.Object({
  chain: Type.Union([NoChainConfig, TronChainConfig], { description: 'where cheques are cashed: none (default) or tron' }),
  grace: ClockDuration('a renter that sent no cheque for this long after its host answered a challenge is overdue: no new contracts, challenges and reads refused')
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
