import type { CID } from 'multiformats/cid'
import { buckets, type Bucket, type BatchOp, type Datastore } from '../store/index.js'

/** kubo's pin types that are stored (indirect pins are derived, never stored). */
export type PinType = 'recursive' | 'direct'

/** What the datastore keeps per pin. */
export interface PinRecord {
  type: PinType
  name?: string
  created: string
}

/** A pin as listed to users. */
export interface Pin extends PinRecord {
  cid: string
}

/** Typed access to the `pins` bucket. Pins are keyed by the CID string as the user gave it. */
export class PinStore {
  readonly #bucket: Bucket<string, PinRecord>
  readonly #datastore: Datastore

  constructor (datastore: Datastore) {
    this.#datastore = datastore
    this.#bucket = datastore.bucket(buckets.pins, 'utf8', 'json')
  }

  async get (cid: CID): Promise<PinRecord | undefined> {
    return await this.#bucket.get(cid.toString())
  }

  /** The batch operation that records a pin (to commit with other writes). */
  putOp (cid: CID, record: PinRecord): BatchOp {
    return { type: 'put', sublevel: this.#bucket, key: cid.toString(), value: record }
  }

  async put (cid: CID, record: PinRecord): Promise<void> {
    await this.#datastore.batch([this.putOp(cid, record)], true)
  }

  async delete (cid: CID): Promise<void> {
    await this.#datastore.batch([{ type: 'del', sublevel: this.#bucket, key: cid.toString() }], true)
  }

  /** Every pin, in CID string order. */
  async * list (): AsyncGenerator<Pin> {
    for await (const [cid, record] of this.#bucket.iterator()) yield { cid, ...record }
  }
}
