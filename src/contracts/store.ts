import type { Bucket, Datastore } from '../store/index.js'
import type { ContractTerms, Receipt } from './terms.js'

export type ContractRole = 'renter' | 'host'

/**
 * signed: both signatures exchanged, shard not yet stored; stored: the host verified and
 * fsynced the shard (receipt); failed: the upload to this host failed or its proofs failed
 * (renter), or it never completed (host: the reservation is released); expired: its term ended
 * (the host deletes the shard a grace period later unless another contract still holds it).
 */
export type ContractState = 'signed' | 'stored' | 'failed' | 'expired'

/** A contract as both sides persist it. */
export interface ContractRecord {
  role: ContractRole
  terms: ContractTerms
  renterSignature: string
  hostSignature: string
  state: ContractState
  receipt?: Receipt
  /** Renter side: which upload session and shard index this contract serves. */
  upload?: { session: string, index: number }
  /** Renter side: the contract this one continues (same host, same shard, starting at its end). */
  renews?: string
  /** Renter side: the contract that continues this one. */
  renewedBy?: string
  error?: string
  created: number
  updated: number
}

/** Contracts by role and id (bucket `contracts`, key `<role>/<id>`). */
export class ContractStore {
  readonly #db: Datastore
  readonly #bucket: Bucket<string, ContractRecord>

  constructor (datastore: Datastore) {
    this.#db = datastore
    this.#bucket = datastore.bucket<string, ContractRecord>('contracts', 'utf8', 'json')
  }

  async get (role: ContractRole, id: string): Promise<ContractRecord | undefined> {
    return await this.#bucket.get(`${role}/${id}`)
  }

  /** Writes the record durably (sync), as one atomic batch. */
  async put (record: ContractRecord): Promise<void> {
    await this.#db.batch([{ type: 'put', sublevel: this.#bucket, key: `${record.role}/${record.terms.id}`, value: { ...record, updated: Date.now() } }], true)
  }

  async * list (role?: ContractRole): AsyncGenerator<ContractRecord> {
    const range = role === undefined ? {} : { gte: `${role}/`, lt: `${role}0` }
    for await (const value of this.#bucket.values(range)) yield value
  }
}
