/**
 * Every LevelDB bucket (sublevel) of the datastore, in one table. Names are persisted on disk:
 * never rename one, never reuse a retired one.
 */
export const buckets = {
  /** multihash bytes -> block location (16 bytes: pack u32, offset u64, length u32) */
  blocks: 'blocks',
  /** pack id (10-digit decimal) -> PackRecord (JSON) */
  packs: 'packs',
  /** CID string as given -> PinRecord (JSON) */
  pins: 'pins',
  /** root CID string -> FileRecord (JSON): name, size, import parameters, time added */
  files: 'files',
  /** `<plaintext root CID>/<manifest CID>` -> ManifestRecord (JSON): shard sets made of a file */
  manifests: 'manifests',
  /** `<role>/<contract id>` -> ContractRecord (JSON), role renter or host */
  contracts: 'contracts',
  /** upload session id -> UploadSession (JSON) */
  uploads: 'uploads',
  /** host peer id -> HostHistory (JSON): outcomes of this renter's dealings with that host */
  hostHistory: 'host-history',
  /** renter: contract id -> ProofRecord (JSON): challenge passes, failures, the last round */
  proofs: 'proofs',
  /** host: `<unix ms, 13 digits>/<contract id>/<nonce prefix>` -> HostChallenge (JSON): the log of challenges received (capped) */
  hostChallenges: 'host-challenges',
  /** host: `<contract id>/<renter's unix ms, 13 digits>/<nonce>` -> HostRound (JSON): rounds not yet covered by a cheque */
  hostRounds: 'host-rounds',
  /** host: shard CID -> ShardCheck (JSON): the last self-check of that stored shard */
  hostSelfCheck: 'host-selfcheck',
  /** renter: host wallet address -> Payable (JSON): cheques issued, periods owed */
  payables: 'payables',
  /** host: renter wallet address -> Receivable (JSON): the latest cheque accepted, cash-outs */
  receivables: 'receivables',
  /** host: contract id -> how far it is paid (JSON) */
  hostPaid: 'host-paid',
  /** host: YYYY-MM-DD -> BTT base units received that day (decimal string) */
  hostEarnings: 'host-earnings'
} as const

export type BucketName = typeof buckets[keyof typeof buckets]
