import Type, { type Static } from 'typebox'
import type { Datastore, Table } from '../store/index.js'
import { Hex32, Signature, Text, Uint } from '../validation/types.js'
import { ContractTermsSchema, ReceiptSchema } from './terms.js'

export type ContractRole = 'renter' | 'host'

/** The states of a contract; lifecycle.ts holds the allowed transitions between them. */
export type ContractState = 'signed' | 'stored' | 'failed' | 'expired'

/** A contract as both sides persist it (bucket `contracts`, key `<role>/<id>`). */
export const ContractRecordSchema = Type.Object({
  role: Type.Union([Type.Literal('renter'), Type.Literal('host')]),
  terms: ContractTermsSchema,
  renterSignature: Signature(),
  hostSignature: Signature(),
  state: Type.Union([Type.Literal('signed'), Type.Literal('stored'), Type.Literal('failed'), Type.Literal('expired')]),
  receipt: Type.Optional(ReceiptSchema),
  /** Renter side: which upload session and shard index this contract serves. */
  upload: Type.Optional(Type.Object({ session: Type.String({ maxLength: 64 }), index: Uint({ maximum: 256 }) })),
  /** Renter side: the contract this one continues (same host, same shard, starting at its end). */
  renews: Type.Optional(Hex32()),
  /** Renter side: the contract that continues this one. */
  renewedBy: Type.Optional(Hex32()),
  error: Type.Optional(Text(2048)),
  created: Uint(),
  updated: Uint()
})

export type ContractRecord = Static<typeof ContractRecordSchema>

/**
 * Contracts by role and id. Reads only: every write goes through ContractLifecycle
 * (lifecycle.ts), which checks the state transition; `put` is its one door to the disk.
 */
export class ContractStore {
  readonly #table: Table<typeof ContractRecordSchema>

  constructor (datastore: Datastore) {
    this.#table = datastore.table('contracts', ContractRecordSchema)
  }

  async get (role: ContractRole, id: string): Promise<ContractRecord | undefined> {
    return await this.#table.get(`${role}/${id}`)
  }

  /** Writes the record durably (sync). Called by ContractLifecycle only. */
  async put (record: ContractRecord): Promise<void> {
    await this.#table.put(`${record.role}/${record.terms.id}`, { ...record, updated: Date.now() }, true)
  }

  async * list (role?: ContractRole): AsyncGenerator<ContractRecord> {
    const range = role === undefined ? {} : { gte: `${role}/`, lt: `${role}0` }
    for await (const value of this.#table.values(range)) yield value
  }
}
