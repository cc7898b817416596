import type { CID } from 'multiformats/cid'
import Type, { type Static } from 'typebox'
import { buckets, type BatchOp, type Datastore, type Table } from '../store/index.js'
import { isCid } from '../validation/formats.js'

/** kubo's pin types that are stored (indirect pins are derived, never stored). */
export type PinType = 'recursive' | 'direct'

/** What the datastore keeps per pin. */
export const PinRecordSchema = Type.Object({
  type: Type.Union([Type.Literal('recursive'), Type.Literal('direct')]),
  name: Type.Optional(Type.String({ maxLength: 255 })),
  created: Type.String({ maxLength: 64 })
})

export type PinRecord = Static<typeof PinRecordSchema>

/** A pin as listed to users. */
export interface Pin extends PinRecord {
  cid: string
}

/** Typed access to the `pins` bucket (corrupt records skipped). Pins are keyed by the CID string as the user gave it. */
export class PinStore {
  readonly #bucket: Table<typeof PinRecordSchema>
  readonly #datastore: Datastore

  constructor (datastore: Datastore) {
    this.#datastore = datastore
    this.#bucket = datastore.table(buckets.pins, PinRecordSchema)
  }

  async get (cid: CID): Promise<PinRecord | undefined> {
    return await this.#bucket.get(cid.toString())
  }

  /** The batch operation that records a pin (to commit with other writes). */
  putOp (cid: CID, record: PinRecord): BatchOp {
    return this.#bucket.putOp(cid.toString(), record)
  }

  async put (cid: CID, record: PinRecord): Promise<void> {
    await this.#datastore.batch([this.putOp(cid, record)], true)
  }

  async delete (cid: CID): Promise<void> {
    await this.#datastore.batch([this.#bucket.delOp(cid.toString())], true)
  }

  /** Every pin, in CID string order (a record whose key is no CID is corrupt: skipped). */
  async * list (): AsyncGenerator<Pin> {
    for await (const [cid, record] of this.#bucket.entries()) {
      if (isCid(cid)) yield { cid, ...record }
    }
  }
}
