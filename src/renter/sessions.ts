import Type, { type Static } from 'typebox'
import type { Datastore, Table } from '../store/index.js'
import { CidString, Hex32, PeerIdString, ShardCid, Text, Uint, Uint256 } from '../validation/types.js'

export type ShardState = 'pending' | 'contracted' | 'sending' | 'stored' | 'failed'
export type UploadState = 'preparing' | 'contracting' | 'uploading' | 'complete' | 'repairing' | 'failed'

/** One shard of an upload, as GET /storage/upload/:id shows it. */
export const ShardStatusSchema = Type.Object({
  index: Uint({ maximum: 256 }),
  cid: ShardCid(),
  size: Uint(),
  host: Type.Optional(PeerIdString()),
  contractId: Type.Optional(Hex32()),
  state: Type.Union([Type.Literal('pending'), Type.Literal('contracted'), Type.Literal('sending'), Type.Literal('stored'), Type.Literal('failed')]),
  bytesSent: Uint(),
  attempts: Uint(),
  error: Type.Optional(Text(2048))
})

export type ShardStatus = Static<typeof ShardStatusSchema>

/** A repair of some shards of a file, as the file's history shows it. */
export const RepairRecordSchema = Type.Object({
  /** unix ms */
  started: Uint(),
  finished: Type.Optional(Uint()),
  /** When the first of the lost shards' contracts failed (or ended unrenewed), unix ms. */
  lostAt: Uint(),
  /** The shards rebuilt, with the hosts and contracts that lost them. */
  lost: Type.Array(Type.Object({ index: Uint({ maximum: 256 }), host: Type.Optional(PeerIdString()), contract: Type.Optional(Hex32()) })),
  /** Where the shard bytes came from: the local copy, or k shards fetched from hosts. */
  source: Type.Optional(Type.Union([Type.Literal('local'), Type.Literal('hosts')])),
  /** The hosts that took the rebuilt shards. */
  hosts: Type.Array(Type.String({ maxLength: 128 })),
  ok: Type.Optional(Type.Boolean()),
  error: Type.Optional(Text(2048)),
  /** From the start of the repair to the last receipt. */
  ms: Type.Optional(Uint()),
  /** From `lostAt` to the last receipt: how long the file had fewer shards than it should. */
  timeToRepairMs: Type.Optional(Uint())
})

export type RepairRecord = Static<typeof RepairRecordSchema>

/** A renewal attempt that failed (the last few are kept). */
export const RenewalFailureSchema = Type.Object({
  at: Uint(),
  index: Uint({ maximum: 256 }),
  contract: Hex32(),
  host: PeerIdString(),
  error: Text(2048)
})

export type RenewalFailure = Static<typeof RenewalFailureSchema>

/** An upload session, persisted (bucket uploads) so that a restarted renter resumes it. */
export const UploadSessionSchema = Type.Object({
  id: Type.String({ pattern: '^[0-9a-f]{16}$' }),
  root: CidString(),
  manifest: Type.Optional(CidString()),
  k: Uint({ minimum: 1, maximum: 256 }),
  m: Uint({ maximum: 255 }),
  duration: Uint({ minimum: 1 }),
  maxPrice: Uint256(),
  state: Type.Union([Type.Literal('preparing'), Type.Literal('contracting'), Type.Literal('uploading'), Type.Literal('complete'), Type.Literal('repairing'), Type.Literal('failed')]),
  shards: Type.Array(ShardStatusSchema, { maxItems: 256 }),
  /** Things the user should know, e.g. that some hosts hold more than one shard. */
  notes: Type.Array(Text(2048), { maxItems: 1000 }),
  /** Repairs of this file's shards, oldest first. */
  repairs: Type.Optional(Type.Array(RepairRecordSchema)),
  /** Renewals that failed recently (a failed one is retried, then the shard moves at expiry). */
  renewalFailures: Type.Optional(Type.Array(RenewalFailureSchema)),
  error: Type.Optional(Text(2048)),
  created: Uint(),
  updated: Uint()
})

export type UploadSession = Static<typeof UploadSessionSchema>

/** The upload sessions (bucket `uploads`), written durably at every step. */
export class SessionStore {
  readonly #db: Datastore
  readonly #table: Table<typeof UploadSessionSchema>

  constructor (datastore: Datastore) {
    this.#db = datastore
    this.#table = datastore.table('uploads', UploadSessionSchema)
  }

  async get (id: string): Promise<UploadSession | undefined> {
    return await this.#table.get(id)
  }

  async save (session: UploadSession): Promise<void> {
    session.updated = Date.now()
    if (session.notes.length > 100) session.notes = session.notes.slice(-100)
    await this.#db.batch([this.#table.putOp(session.id, session)], true)
  }

  async * list (): AsyncGenerator<UploadSession> {
    yield * this.#table.values()
  }
}
