import type { CID } from 'multiformats/cid'
import Type, { type Static } from 'typebox'
import { buckets, type BatchOp, type Datastore, type Table } from '../store/index.js'

/** What the node remembers about a file it imported. */
export const FileRecordSchema = Type.Object({
  name: Type.Optional(Type.String({ maxLength: 255 })),
  size: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
  cidVersion: Type.Union([Type.Literal(0), Type.Literal(1)]),
  rawLeaves: Type.Boolean(),
  chunker: Type.String({ maxLength: 32 }),
  added: Type.String({ maxLength: 64 })
})

export type FileRecord = Static<typeof FileRecordSchema>

/** Typed access to the `files` bucket (corrupt records skipped), keyed by root CID string. */
export class FileStore {
  readonly #bucket: Table<typeof FileRecordSchema>

  constructor (datastore: Datastore) {
    this.#bucket = datastore.table(buckets.files, FileRecordSchema)
  }

  async get (cid: CID | string): Promise<FileRecord | undefined> {
    return await this.#bucket.get(cid.toString())
  }

  putOp (cid: CID, record: FileRecord): BatchOp {
    return this.#bucket.putOp(cid.toString(), record)
  }

  deleteOp (cid: string): BatchOp {
    return this.#bucket.delOp(cid)
  }

  async * keys (): AsyncGenerator<string> {
    yield * this.#bucket.keys()
  }
}
