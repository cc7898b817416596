import Type, { type Static } from 'typebox'
import type { BatchOp, Datastore, Table } from '../store/index.js'
import { Hex32, PeerIdString, Text, Uint } from '../validation/types.js'

/** A challenge round of one contract as the host saw it (bucket `host-rounds`): what cheques are checked against. */
export const HostRoundSchema = Type.Object({
  nonce: Hex32(),
  /** The renter's `at` (unix ms): periods in cheques end exactly here. */
  at: Uint(),
  /** When the host received it (unix ms, its clock): overdue is counted from here. */
  received: Uint(),
  answered: Type.Boolean()
}, { additionalProperties: false })

export type HostRound = Static<typeof HostRoundSchema>

/** A challenge this host received, and what it answered (bucket `host-challenges`: GET /host/challenges). */
export const HostChallengeSchema = Type.Object({
  at: Uint(),
  contractId: Hex32(),
  renterPeer: PeerIdString(),
  nonce: Hex32(),
  indices: Type.Array(Uint(), { maxItems: 64 }),
  answered: Type.Boolean(),
  error: Type.Optional(Text(1024))
})

export type HostChallenge = Static<typeof HostChallengeSchema>

const pad = (ms: number): string => String(Math.max(0, Math.floor(ms))).padStart(13, '0')

/** The key of a challenge in the `host-challenges` log: received time (unix ms, 13 digits) and the contract. */
export function challengeLogKey (at: number, contractId = ''): string {
  return `${pad(at)}/${contractId}`
}

/** Entries kept in the display log of challenges; older ones are dropped as new ones come. */
export const challengeLogSize = 10_000

/**
 * The host's memory of challenges. Two buckets: `host-rounds`, per contract and in time order
 * (`<contract id>/<at>/<nonce>`), which the cheque check reads and which shrinks as periods are
 * paid (their rounds are deleted in the same batch) or contracts end; and `host-challenges`, the
 * log GET /host/challenges shows, capped at `challengeLogSize` entries. Only challenges of a
 * contract this host holds, from its renter, are written at all: a stranger's challenge leaves
 * nothing behind.
 */
export class HostRounds {
  readonly #db: Datastore
  readonly #rounds: Table<typeof HostRoundSchema>
  readonly #log: Table<typeof HostChallengeSchema>
  #logCount?: number

  constructor (datastore: Datastore) {
    this.#db = datastore
    this.#rounds = datastore.table('host-rounds', HostRoundSchema)
    this.#log = datastore.table('host-challenges', HostChallengeSchema)
  }

  static key (contractId: string, at: number, nonce: string): string {
    return `${contractId}/${pad(at)}/${nonce}`
  }

  /** Records a round and its log entry in one batch (synced when the round was answered: the renter may pay for it). */
  async record (contractId: string, round: HostRound, entry: HostChallenge): Promise<void> {
    await this.#db.batch([
      this.#rounds.putOp(HostRounds.key(contractId, round.at, round.nonce), round),
      this.#log.putOp(challengeLogKey(entry.at, `${contractId}/${entry.nonce.slice(2, 10)}`), entry)
    ], round.answered)
    await this.#trimLog()
  }

  /** The round of `contractId` with `nonce` at `at`, if the host saw it. */
  async find (contractId: string, at: number, nonce: string): Promise<HostRound | undefined> {
    return await this.#rounds.get(HostRounds.key(contractId, at, nonce))
  }

  /** Rounds of `contractId` with `after < at <= until`, in time order. */
  async between (contractId: string, after: number, until: number): Promise<HostRound[]> {
    const out: HostRound[] = []
    for await (const round of this.#rounds.values({ gt: `${contractId}/${pad(after)}/~`, lte: `${contractId}/${pad(until)}/~` })) out.push(round)
    return out
  }

  /** Deletions of every round of `contractId` at or before `until` (for the batch that pays them). */
  async pruneOps (contractId: string, until: number): Promise<BatchOp[]> {
    const ops: BatchOp[] = []
    for await (const key of this.#rounds.keys({ gte: `${contractId}/`, lte: `${contractId}/${pad(until)}/~` })) ops.push(this.#rounds.delOp(key))
    return ops
  }

  /** Forgets every round of a contract that ended. */
  async drop (contractId: string): Promise<void> {
    const ops: BatchOp[] = []
    for await (const key of this.#rounds.keys({ gte: `${contractId}/`, lt: `${contractId}0` })) ops.push(this.#rounds.delOp(key))
    await this.#db.batch(ops)
  }

  /** The newest log entries, newest first. */
  async list (limit = 100): Promise<HostChallenge[]> {
    const out: HostChallenge[] = []
    for await (const value of this.#log.values({ reverse: true, limit })) out.push(value)
    return out
  }

  /** Keeps the log near `challengeLogSize` entries: counted once, then in memory; the oldest go in batches of 100. */
  async #trimLog (): Promise<void> {
    if (this.#logCount === undefined) {
      let count = 0
      for await (const _ of this.#log.keys()) count++ // eslint-disable-line @typescript-eslint/no-unused-vars
      this.#logCount = count
    } else {
      this.#logCount++
    }
    if (this.#logCount <= challengeLogSize + 100) return
    const ops: BatchOp[] = []
    for await (const key of this.#log.keys({ limit: this.#logCount - challengeLogSize })) ops.push(this.#log.delOp(key))
    await this.#db.batch(ops)
    this.#logCount = challengeLogSize
  }
}
